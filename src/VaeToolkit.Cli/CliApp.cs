using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;
using VaeToolkit.Cli.Progress;
using VaeToolkit.Configuration;
using VaeToolkit.Serving.Hosting;

namespace VaeToolkit.Cli;

/// <summary>
/// The verbs mirror the cmdlets: each prints its result as one JSON object (snake_case) on standard
/// output and its progress on standard error. Exit codes: 0 done, 1 error, 2 usage, 3 some ids
/// failed (the others were served), 130 stopped. Every failure is one line on standard error;
/// <c>--verbose</c> (any verb) adds the details.
/// </summary>
public static class CliApp
{
    /// <summary>Every verb's command line, printed after a usage error (<see cref="VerbCatalog"/>).</summary>
    public static string Usage => VerbCatalog.Usage();

    /// <summary>The options that take no value, of any verb; every other option takes one.</summary>
    public static readonly IReadOnlySet<string> FlagNames = new HashSet<string>(StringComparer.Ordinal)
        { "resume", "force", "all", "downloads", "include-seen", "json", "no-baseline", "open", "io-binding", CommandLine.Verbose };

    /// <param name="progressConsole">
    /// A terminal to draw progress bars on (standard error when it is one, see <see cref="LiveProgressDisplay"/>);
    /// null prints progress as lines on <paramref name="error"/>.
    /// </param>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default, IAnsiConsole? progressConsole = null)
    {
        // Known before parsing, so that a usage error can be explained in detail too.
        bool verbose = args.Contains("--verbose", StringComparer.Ordinal);
        if (HelpTopic(args) is string topic) return Help(topic, error);
        // The service runs until stopped and has options of its own (ServerCommandLine).
        if (args is ["serve", .. var serveArgs])
            return ServerCommand.RunAsync(serveArgs, output, error, cancellationToken).GetAwaiter().GetResult();
        try
        {
            // "cache list" and "cache prune" are two-word verbs.
            string[] words = args is ["cache", var action, ..] && !action.StartsWith("--", StringComparison.Ordinal) ? [$"cache {action}", .. args[2..]] : args;
            var line = CommandLine.Parse(words, FlagNames, positional: words is ["compare", ..]);
            if (line.Verb == "cache") throw new UsageException("'cache' needs 'list' or 'prune'");
            var run = VerbCatalog.Find(line.Verb) is { Run: { } runner } ? runner : throw new UsageException($"unknown verb '{line.Verb}'");
            var (result, allServed) = progressConsole is not null && VerbCatalog.Find(line.Verb)!.ShowsProgress
                ? LiveProgressDisplay.Run(progressConsole, (progress, lines) => run(new Verbs(lines, progress), line, cancellationToken))
                : run(new Verbs(error, new LineProgress(error)), line, cancellationToken);
            if (result is CliText text) output.Write(text.Value); // a verb's table (compare without --json)
            else output.WriteLine(JsonSerializer.Serialize(result, Verbs.Json));
            return allServed ? 0 : 3;
        }
        catch (UsageException e)
        {
            if (e.Message.Length > 0) error.WriteLine($"vaetoolkit: {e.Message}");
            error.WriteLine(Usage);
            return 2;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine(args.FirstOrDefault() switch
            {
                "train" => "vaetoolkit: stopped; the last checkpoint is kept (resume with --resume)",
                "sweep" => "vaetoolkit: stopped; the trials keep their checkpoints (the same command resumes the sweep)",
                _ => "vaetoolkit: stopped; no partial output was written",
            });
            return 130;
        }
        catch (Exception e)
        {
            return Fail(e, error, verbose);
        }
    }

    /// <summary>
    /// What help is asked for: "" for the list of verbs (<c>--help</c>, <c>-h</c>, <c>help</c>), a verb's name
    /// (<c>&lt;verb&gt; ... --help</c>, <c>help &lt;verb&gt;</c>; two words for <c>cache list</c>), or null for none.
    /// </summary>
    internal static string? HelpTopic(string[] args)
    {
        static bool IsHelp(string arg) => arg is "--help" or "-h";
        return args switch
        {
            [] => null,
            [var first, .. var topic] when IsHelp(first) || first == "help" => string.Join(' ', topic),
            [var verb, .. var rest] when rest.Any(IsHelp) =>
                rest is [var action, ..] && verb == "cache" && !action.StartsWith('-') ? $"cache {action}" : verb,
            _ => null,
        };
    }

    /// <summary>Prints the help asked for on standard error (standard output carries results only): exit code 0, or 2 for an unknown verb.</summary>
    private static int Help(string topic, TextWriter error)
    {
        if (topic.Length == 0)
        {
            error.Write(VerbCatalog.Overview());
            return 0;
        }
        var verbs = VerbCatalog.Topic(topic);
        if (verbs.Count == 0)
        {
            error.WriteLine($"vaetoolkit: unknown verb '{topic}'");
            error.Write(VerbCatalog.Overview());
            return 2;
        }
        error.Write(string.Join(Environment.NewLine, verbs.Select(verb => verb.Help.Format(verb.Name))));
        return 0;
    }

    /// <summary>
    /// Any other failure: one line on standard error and exit code 1. The line is the message's first
    /// line (native libraries append their own stack traces to it), prefixed with what failed where the
    /// message alone would not say; <c>--verbose</c> adds the whole exception with its stack trace.
    /// </summary>
    internal static int Fail(Exception e, TextWriter error, bool verbose)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } aggregate) e = aggregate.InnerExceptions[0];
        if (e is ConfigException)
            error.WriteLine(FirstLine(e.Message)); // already "file(line,column): error VAE0101: ..."
        else
            error.WriteLine($"vaetoolkit: error: {Prefix(e)}{FirstLine(e.Message)}");
        if (verbose) error.WriteLine(e.ToString());
        return 1;
    }

    private static string Prefix(Exception e) => e switch
    {
        OutOfMemoryException => "out of memory: ",
        OverflowException => "a count is too large: ",
        OnnxRuntimeException => "ONNX Runtime: ",
        // TorchSharp reports libtorch's errors as ExternalException; other native failures are SEHException or COMException.
        ExternalException => "native library: ",
        _ when e.GetType().Namespace?.StartsWith("Parquet", StringComparison.Ordinal) == true => "Parquet: ",
        _ when IsExpected(e) => "",
        _ => $"unexpected {e.GetType().Name} (a bug; --verbose shows where): ",
    };

    /// <summary>The exceptions the engines throw for bad input, files or devices: their message is the whole story.</summary>
    private static bool IsExpected(Exception e) =>
        e is IOException or InvalidDataException or InvalidOperationException or ArgumentException or UnauthorizedAccessException
            or FormatException or NotSupportedException or PlatformNotSupportedException
        || e.GetType().Namespace?.StartsWith("VaeToolkit", StringComparison.Ordinal) == true;

    private static string FirstLine(string message)
    {
        int end = message.AsSpan().IndexOfAny('\r', '\n');
        return end < 0 ? message : message[..end].TrimEnd() + " (more with --verbose)";
    }
}
