using System.Text.Json;
using VaeToolkit.Configuration;

namespace VaeToolkit.Cli;

/// <summary>
/// The verbs mirror the cmdlets: each prints its result as one JSON object (snake_case) on standard
/// output and its progress on standard error. Exit codes: 0 done, 1 error, 2 usage, 3 some ids
/// failed (the others were served), 130 stopped.
/// </summary>
public static class CliApp
{
    public const string Usage = """
        usage:
          vaetoolkit train     --config <yaml> [--output <run dir>] [--resume] [--device D] [--precision P] [--gpus N] [--set key=value]...
          vaetoolkit test      --model <run or model dir> [--device D] [--batch-size N]
          vaetoolkit prepare   (--dataset NAME | --config <yaml>) [--source <file or folder>] [--force] [--cache <dir>] [--set key=value]...
          vaetoolkit generate-ratings  --output <ratings.csv> [--rows N] [--users N] [--movies N] [--seed S]
          vaetoolkit prepare-benchmark --source <ratings.csv> [--cache <dir>]
          vaetoolkit recommend --model <dir> (--user <id>... | --items <id,id,...> | --input <file> --output <csv>) [--top N] [--device D]
          vaetoolkit benchmark --config <yaml> [--device D] [--precision P] [--gpus N] [--epochs E] [--set key=value]...
          vaetoolkit cache list  [--cache <dir>] [--download-cache <dir>]
          vaetoolkit cache prune [--max-bytes N | --all] [--downloads] [--cache <dir>] [--download-cache <dir>]
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        try
        {
            // "cache list" and "cache prune" are two-word verbs.
            string[] words = args is ["cache", var action, ..] && !action.StartsWith("--", StringComparison.Ordinal) ? [$"cache {action}", .. args[2..]] : args;
            var line = CommandLine.Parse(words, new HashSet<string> { "resume", "force", "all", "downloads" });
            var verbs = new Verbs(error);
            bool allServed = true;
            object result = line.Verb switch
            {
                "train" => verbs.Train(line, cancellationToken),
                "test" => verbs.Test(line),
                "recommend" => verbs.Recommend(line, out allServed),
                "benchmark" => verbs.Benchmark(line, cancellationToken),
                "prepare" => verbs.Prepare(line, cancellationToken),
                "generate-ratings" => verbs.GenerateRatings(line, cancellationToken),
                "prepare-benchmark" => verbs.PrepareBenchmark(line, cancellationToken),
                "cache list" => verbs.CacheList(line),
                "cache prune" => verbs.CachePrune(line),
                "cache" => throw new UsageException("'cache' needs 'list' or 'prune'"),
                "help" => throw new UsageException(""),
                _ => throw new UsageException($"unknown verb '{line.Verb}'"),
            };
            output.WriteLine(JsonSerializer.Serialize(result, Verbs.Json));
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
            error.WriteLine("vaetoolkit: stopped; the last checkpoint is kept (resume with --resume)");
            return 130;
        }
        catch (ConfigException e)
        {
            error.WriteLine(e.Message);
            return 1;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or ArgumentException or UnauthorizedAccessException
                                  || e.GetType().Namespace?.StartsWith("VaeToolkit", StringComparison.Ordinal) == true)
        {
            error.WriteLine($"vaetoolkit: error: {e.Message}");
            return 1;
        }
    }
}
