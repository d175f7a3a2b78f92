using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
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
    public const string Usage = """
        usage:
          vaetoolkit train     --config <yaml> [--output <run dir>] [--resume] [--device D] [--precision P] [--gpus N] [--set key=value]...
          vaetoolkit test      --model <run or model dir> [--device D] [--batch-size N] [--no-baseline] [--metric precision@10,mrr@100]...
          vaetoolkit compare   <run dir> <run dir>... [--json]   runs on the same data side by side, best NDCG@100 first
          vaetoolkit sweep     --config <yaml> --output <sweep dir> (--grid key=v1,v2... | --samples N [--seed S] [--range key=min:max[:log]]...) [--parallel N] [--set key=value]...
          vaetoolkit report    --run <run dir> [--open] [--json]   writes the run's report.md and curves.png again and prints the report
          vaetoolkit prepare   (--dataset NAME | --config <yaml>) [--source <file or folder>] [--force] [--cache <dir>] [--set key=value]...
          vaetoolkit generate-ratings  --output <ratings.csv> [--rows N] [--users N] [--movies N] [--seed S]
          vaetoolkit prepare-benchmark --source <ratings.csv> [--cache <dir>]
          vaetoolkit recommend --model <dir> (--user <id>... | --items <id,id,...>) [--top N] [--include-seen] [--device D]
          vaetoolkit recommend --model <dir> --input <csv|tsv|parquet> --output <csv|parquet> [--top N] [batch options]
          vaetoolkit similar   --model <run or model dir> --item <id>... [--top N]
          vaetoolkit embed     --model <dir> --input <csv|tsv|parquet> --output <csv|parquet> [batch options]
            batch options: [--format csv|parquet] [--user-column C] [--item-column C] [--delimiter D]
                           [--shard i/N | auto/N | auto] [--force] [--spill-dir <dir>] [--batch-size N] [--device D]
          vaetoolkit benchmark --config <yaml> [--device D] [--precision P] [--gpus N] [--epochs E] [--set key=value]...
          vaetoolkit benchmark-scoring --model <run or model dir> [--users N] [--top K] [--batch B]
          vaetoolkit serve     --model <model, run or deploy dir> [--urls URL] [--device D] [serve options: vaetoolkit serve --help]
          vaetoolkit benchmark-serve --model <run or model dir> [--seconds S] [--clients N,N] [--top K] [--reloads R] [--batch-users U] [--spin-wait on|off]
          vaetoolkit cache list  [--cache <dir>] [--download-cache <dir>]
          vaetoolkit cache prune [--max-bytes N | --all] [--downloads] [--cache <dir>] [--download-cache <dir>]
        Every verb also takes --verbose: a failure's details (the stack trace) after its one-line message.
        Exit codes: 0 done, 1 error, 2 usage, 3 some ids (or sweep trials) failed, 130 stopped.
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        // Known before parsing, so that a usage error can be explained in detail too.
        bool verbose = args.Contains("--verbose", StringComparer.Ordinal);
        // The service runs until stopped and has options of its own (ServerCommandLine).
        if (args is ["serve", .. var serveArgs])
        {
            if (serveArgs is ["--help"] or ["-h"])
            {
                error.WriteLine(ServerCommandLine.Usage);
                return 0;
            }
            return ServerCommand.RunAsync(serveArgs, output, error, cancellationToken).GetAwaiter().GetResult();
        }
        if (args is ["compare", ..] && (args.Contains("--help", StringComparer.Ordinal) || args.Contains("-h", StringComparer.Ordinal)))
        {
            error.WriteLine(ComparisonTable.Usage);
            return 0;
        }
        try
        {
            // "cache list" and "cache prune" are two-word verbs.
            string[] words = args is ["cache", var action, ..] && !action.StartsWith("--", StringComparison.Ordinal) ? [$"cache {action}", .. args[2..]] : args;
            var line = CommandLine.Parse(words, new HashSet<string> { "resume", "force", "all", "downloads", "include-seen", "json", "open", "no-baseline", CommandLine.Verbose },
                positional: words is ["compare", ..]);
            var verbs = new Verbs(error);
            bool allServed = true;
            object result = line.Verb switch
            {
                "train" => verbs.Train(line, cancellationToken),
                "test" => verbs.Test(line),
                "compare" => verbs.Compare(line, cancellationToken),
                "sweep" => SweepVerb.Run(line, error, cancellationToken, out allServed),
                "report" => verbs.Report(line),
                "recommend" => verbs.Recommend(line, cancellationToken, out allServed),
                "similar" => verbs.Similar(line, out allServed),
                "embed" => verbs.Embed(line, cancellationToken),
                "benchmark" => verbs.Benchmark(line, cancellationToken),
                "benchmark-scoring" => verbs.BenchmarkScoring(line, cancellationToken),
                "benchmark-serve" => verbs.BenchmarkServe(line, cancellationToken),
                "prepare" => verbs.Prepare(line, cancellationToken),
                "generate-ratings" => verbs.GenerateRatings(line, cancellationToken),
                "prepare-benchmark" => verbs.PrepareBenchmark(line, cancellationToken),
                "cache list" => verbs.CacheList(line),
                "cache prune" => verbs.CachePrune(line),
                "cache" => throw new UsageException("'cache' needs 'list' or 'prune'"),
                "help" => throw new UsageException(""),
                _ => throw new UsageException($"unknown verb '{line.Verb}'"),
            };
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
