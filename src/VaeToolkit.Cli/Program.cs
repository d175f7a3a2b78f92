using System.Text.Json;
using VaeToolkit.Cli;
using VaeToolkit.Configuration;

// vaetoolkit: the console front end for hosts without PowerShell. Each verb mirrors a cmdlet, prints
// its result as one JSON object on stdout, and writes progress to stderr.
const string Usage = """
    usage:
      vaetoolkit train     --config <yaml> [--output <run dir>] [--resume] [--device D] [--set key=value]...
      vaetoolkit test      --model <run or model dir> [--device D] [--batch-size N]
      vaetoolkit recommend --model <dir> (--user <id>... | --items <id,id,...> | --input <file> --output <csv>) [--top N] [--device D]
      vaetoolkit benchmark --config <yaml> [--device D] [--epochs E] [--set key=value]...
    """;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // finish the current batch, keep the last checkpoint, then stop
    cancel.Cancel();
    Console.Error.WriteLine("Stopping after the current batch...");
};

try
{
    var line = CommandLine.Parse(args, new HashSet<string> { "resume", "help" });
    object result = line.Verb switch
    {
        "train" => Verbs.Train(line, cancel.Token),
        "test" => Verbs.Test(line),
        "recommend" => Verbs.Recommend(line),
        "benchmark" => Verbs.Benchmark(line, cancel.Token),
        "help" or "--help" or "-h" => throw new UsageException(""),
        _ => throw new UsageException($"unknown verb '{line.Verb}'"),
    };
    Console.WriteLine(JsonSerializer.Serialize(result, Verbs.Json));
    return 0;
}
catch (UsageException e)
{
    if (e.Message.Length > 0) Console.Error.WriteLine($"vaetoolkit: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("vaetoolkit: stopped; the last checkpoint is kept (resume with --resume)");
    return 130;
}
catch (ConfigException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or ArgumentException or UnauthorizedAccessException
                          || e.GetType().Namespace?.StartsWith("VaeToolkit", StringComparison.Ordinal) == true)
{
    Console.Error.WriteLine($"vaetoolkit: error: {e.Message}");
    return 1;
}
