using Spectre.Console;

namespace VaeToolkit.Cli.Progress;

/// <summary>
/// Runs a verb under Spectre.Console's progress display on standard error when that is an interactive
/// terminal; otherwise the verb prints lines (<see cref="LineProgress"/>), as logs and CI expect.
/// </summary>
internal static class LiveProgressDisplay
{
    /// <summary>
    /// A console on standard error for progress bars, or null when standard error is redirected, is not an
    /// ANSI terminal (TERM=dumb), or runs in CI (CI set).
    /// </summary>
    public static IAnsiConsole? ForStandardError()
    {
        if (Console.IsErrorRedirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))) return null;
        // Interactive as far as the bars go: Spectre's own detection says no as soon as standard input or
        // output is redirected, and `vaetoolkit train ... > result.json` is the usual way to run a verb.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes });
        return console.Profile.Capabilities.Ansi ? console : null;
    }

    /// <summary>
    /// Runs <paramref name="work"/> with progress bars on <paramref name="console"/>; the writer it is given
    /// prints lines above them. The bars stay on screen when it ends (or fails: its exception is rethrown).
    /// </summary>
    public static T Run<T>(IAnsiConsole console, Func<IVerbProgress, TextWriter, T> work)
    {
        using var lines = new ConsoleLineWriter(console);
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                try
                {
                    return work(new LiveProgress(context, lines), lines);
                }
                finally
                {
                    lines.Flush();
                }
            });
    }
}
