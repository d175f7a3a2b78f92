using VaeToolkit.Cli;
using VaeToolkit.Cli.Progress;

// vaetoolkit: the console front end for hosts without PowerShell.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // finish the current batch (or, serving, the requests in flight), keep the last checkpoint, then stop
    cancel.Cancel();
    Console.Error.WriteLine(args.FirstOrDefault() == "serve" ? "Stopping after the requests in flight..." : "Stopping after the current batch...");
};
// Progress bars when standard error is a terminal; whole lines when it goes to a file, a pipe or CI.
return CliApp.Run(args, Console.Out, Console.Error, cancel.Token, LiveProgressDisplay.ForStandardError());
