using VaeToolkit.Cli.Help;

namespace VaeToolkit.Cli;

/// <summary>Runs a verb: its result to print, and whether every id asked for was served (else exit code 3).</summary>
internal delegate (object Result, bool AllServed) VerbRunner(Verbs verbs, CommandLine line, CancellationToken cancellationToken);

/// <summary>A verb of the console program: its name, its help, and what runs it.</summary>
/// <param name="Run">Null for <c>serve</c>, which parses its own options (<c>ServerCommandLine</c>).</param>
/// <param name="ShowsProgress">Whether a terminal shows progress bars while it runs (<see cref="Progress.LiveProgressDisplay"/>).</param>
internal sealed record VerbEntry(string Name, VerbHelp Help, VerbRunner? Run, bool ShowsProgress = false);
