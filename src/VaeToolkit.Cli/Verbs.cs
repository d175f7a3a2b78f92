using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;
using VaeToolkit.Cli.Progress;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Data.Benchmarks;
using VaeToolkit.Data.Caching;
using VaeToolkit.Data.Parsing;
using VaeToolkit.Data.Sources;
using VaeToolkit.Data.Synthetic;
using VaeToolkit.Inference;
using VaeToolkit.Inference.Batch;
using VaeToolkit.Metrics;
using VaeToolkit.Orchestration.Baselines;
using VaeToolkit.Orchestration.Benchmarks;
using VaeToolkit.Orchestration.Reports;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;
using VaeToolkit.Serving.Benchmark;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Cli;

/// <summary>
/// The verbs: each reads its options, calls one engine method and returns the result to print; its progress
/// goes to <paramref name="progress"/> (lines, or bars on a terminal), other messages to <paramref name="error"/>.
/// </summary>
internal sealed class Verbs(TextWriter error, IVerbProgress progress)
{
    /// <summary>Where a verb's messages go (verbs in files of their own, such as <see cref="SweepVerb"/>, take it).</summary>
    public TextWriter Error => error;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public object Train(CommandLine line, CancellationToken cancellationToken)
    {
        line.OnlyAllow("config", "output", "resume", "device", "precision", "gpus", "set");
        var config = LoadConfig(line);
        string? output = line.Value("output");
        var request = new TrainingRequest(config, output ?? TrainingJob.DefaultRunDirectory(config, Environment.CurrentDirectory), line.Flag("resume"), IsDefaultDirectory: output is null);
        return TrainingJob.Run(request, progress.Training(), new Log(error), cancellationToken);
    }

    public object Benchmark(CommandLine line, CancellationToken cancellationToken)
    {
        line.OnlyAllow("config", "device", "precision", "gpus", "epochs", "set");
        // --epochs is an override, so that the config's range check (and its message) applies to it.
        var config = LoadConfig(line, line.Value("epochs") is string epochs ? [$"training.epochs={Quote(epochs)}"] : []);
        return TrainingBenchmark.Run(config, progress.Training(), new Log(error), cancellationToken);
    }

    /// <summary>Prepares a data set (from the cache unless --force) and returns its report.</summary>
    public object Prepare(CommandLine line, CancellationToken cancellationToken)
    {
        line.OnlyAllow("dataset", "source", "config", "set", "force", "cache");
        string? dataset = line.Value("dataset");
        string? configFile = line.Value("config");
        if (dataset is null && configFile is null) throw new UsageException("give --dataset or --config");
        VaeConfig config = ModelRegistry.ConfigLoader.ForDataset(configFile, dataset, line.Value("source"), line.Values("set"));
        var preparer = line.Value("cache") is string cache ? new DatasetPreparer(new MovieLensSource(), cache) : new DatasetPreparer();
        return preparer.Prepare(config, line.Flag("force"), progress.Log(), cancellationToken).Report;
    }

    /// <summary>Writes a synthetic MovieLens ratings.csv (ML-20M's size unless told otherwise).</summary>
    public object GenerateRatings(CommandLine line, CancellationToken cancellationToken)
    {
        line.OnlyAllow("output", "rows", "users", "movies", "seed");
        var defaults = new RatingsGeneratorSettings();
        var settings = new RatingsGeneratorSettings
        {
            Rows = line.Int("rows", 1, int.MaxValue) ?? defaults.Rows,
            Users = line.Int("users", 1, SettingRanges.MaxSyntheticUsers) ?? defaults.Users,
            Movies = line.Int("movies", 1, SettingRanges.MaxSyntheticItems) ?? defaults.Movies,
            Seed = line.Int("seed", 0, int.MaxValue) ?? defaults.Seed,
        };
        return MovieLensRatingsGenerator.Write(line.Required("output"), settings, new Log(error), cancellationToken);
    }

    /// <summary>Times preparing a MovieLens-format ratings file from scratch and then from the cache.</summary>
    public object PrepareBenchmark(CommandLine line, CancellationToken cancellationToken)
    {
        line.OnlyAllow("source", "cache");
        string source = Path.GetFullPath(line.Required("source"));
        string cache = line.Value("cache") ?? Path.Combine(Path.GetDirectoryName(source)!, "prepared-cache");
        return PreparationBenchmark.Run(source, cache, new Log(error), cancellationToken);
    }

    /// <summary>Lists both caches: every prepared data set and download, its size and last use, least recently used first.</summary>
    public object CacheList(CommandLine line)
    {
        line.OnlyAllow("cache", "download-cache");
        return DataCache.List(PreparedCache(line), line.Value("download-cache") ?? MovieLensSource.DefaultCacheDirectory());
    }

    /// <summary>
    /// Removes the least recently used prepared data sets until the cache fits --max-bytes (by default its cap,
    /// $VAETOOLKIT_CACHE_MAX_BYTES), or all of them with --all; --downloads removes the downloaded data sets too.
    /// </summary>
    public object CachePrune(CommandLine line)
    {
        line.OnlyAllow("cache", "download-cache", "max-bytes", "all", "downloads");
        long? maxBytes = line.Value("max-bytes") is string text
            ? PreparedDataCache.ParseSize(text) ?? throw new UsageException($"option --max-bytes must be a size such as 1073741824 or 500M, not '{text}'")
            : null;
        if (maxBytes is not null && line.Flag("all")) throw new UsageException("give --max-bytes or --all, not both");
        PreparedDataCache prepared = PreparedCache(line);
        CacheListing listing = DataCache.List(prepared, line.Value("download-cache") ?? MovieLensSource.DefaultCacheDirectory());
        DateTime now = DateTime.UtcNow;
        var selected = DataCache.Select(listing.Entries, new HashSet<CacheEntryKind> { CacheEntryKind.Prepared }, null, line.Flag("all") ? null : maxBytes ?? prepared.MaxBytes, now).ToList();
        if (line.Flag("downloads")) selected.AddRange(DataCache.Select(listing.Entries, new HashSet<CacheEntryKind> { CacheEntryKind.Download }, null, null, now));
        CachePruneResult result = DataCache.Remove(prepared, selected);
        foreach (CacheEntry kept in result.InUse) error.WriteLine($"vaetoolkit: kept {kept.Path}: another process has it open");
        return result;
    }

    private static PreparedDataCache PreparedCache(CommandLine line) => new(line.Value("cache") ?? DatasetPreparer.DefaultCacheDirectory());

    /// <summary>Times the ONNX Runtime engine against a dense libtorch forward pass of the same weights.</summary>
    public object BenchmarkScoring(CommandLine line, CancellationToken cancellationToken)
    {
        line.OnlyAllow("model", "users", "top", "batch", "device", "io-binding");
        int users = line.Int("users", 1, 100_000_000) ?? 10_000;
        int top = line.Int("top", 1, SettingRanges.MaxTop) ?? 100;
        int? batch = line.Int("batch", 1, SettingRanges.MaxBatchSize);
        return ScoringBenchmark.Run(line.Required("model"), users, top, batch, line.Value("device") ?? "cpu", new Log(error), cancellationToken, line.Flag("io-binding"));
    }

    /// <summary>The service under load (<see cref="ServingBenchmark"/>): latency at one client, throughput at many, promotions under load.</summary>
    public object BenchmarkServe(CommandLine line, CancellationToken cancellationToken)
    {
        line.OnlyAllow("model", "seconds", "clients", "top", "reloads", "batch-users", "spin-wait", "threads", "settle");
        var defaults = new ServingBenchmark.Settings();
        int[] clients = defaults.Clients.ToArray();
        if (line.Value("clients") is string list)
        {
            clients = [.. list.Split(',').Select(text => int.TryParse(text, out int n) && n is >= 1 and <= 1024
                ? n : throw new UsageException($"--clients takes client counts from 1 to 1024 separated by commas, not '{list}'"))];
        }
        var settings = defaults with
        {
            PhaseDuration = TimeSpan.FromSeconds(line.Int("seconds", 1, 3600) ?? (int)defaults.PhaseDuration.TotalSeconds),
            Clients = clients,
            Top = line.Int("top", 1, SettingRanges.MaxTop) ?? defaults.Top,
            Promotions = line.Int("reloads", 0, 1000) ?? defaults.Promotions,
            BatchUsers = line.Int("batch-users", 0, 10_000) ?? 0,
            ServiceThreads = line.Int("threads", 0, 1024) ?? 0,
            Settle = TimeSpan.FromSeconds(line.Int("settle", 0, 600) ?? (int)defaults.Settle.TotalSeconds),
            SpinWait = line.Value("spin-wait") switch
            {
                null or "off" => false,
                "on" => true,
                string other => throw new UsageException($"--spin-wait must be on or off, not '{other}'"),
            },
        };
        return ServingBenchmark.RunAsync(line.Required("model"), settings, new Log(error), cancellationToken).GetAwaiter().GetResult();
    }

    /// <summary>
    /// The model's test users scored, beside popularity and (unless --no-baseline) an EASE baseline fitted on the same training users;
    /// the metrics of --metric (repeated or comma-separated), else the run's evaluation.metrics, in the report's metrics.
    /// </summary>
    public object Test(CommandLine line)
    {
        line.OnlyAllow("model", "device", "batch-size", "no-baseline", "metric");
        int? batchSize = line.Int("batch-size", 1, SettingRanges.MaxBatchSize);
        string device = line.Value("device") ?? "cpu";
        IReadOnlyList<RankingMetric>? metrics = null;
        if (line.Values("metric") is { Count: > 0 } names)
        {
            try
            {
                metrics = RankingMetric.ParseList(names);
            }
            catch (FormatException e)
            {
                throw new UsageException($"--metric: {e.Message}");
            }
        }
        var bundle = ModelBundle.Open(line.Required("model"));
        metrics ??= RunMetrics.Of(bundle.Directory);
        int size = batchSize ?? ScoringBatchSize.For(device, bundle.Card.ItemCount, ModelEvaluator.DefaultBatchSize);
        var report = ModelEvaluator.Evaluate(bundle, device, size, progress.Users("test users", bundle.Test.Count), metrics: metrics);
        if (!line.Flag("no-baseline"))
        {
            using (progress.Phase("EASE baseline"))
                report = EaseBaseline.AddTo(report, bundle, device, Math.Min(size, 500), metrics: metrics);
            if (report.EaseBaselineNote is string note) error.WriteLine(note);
        }
        if (RunReport.TryRecord(report) is string reportProblem) error.WriteLine($"vaetoolkit: warning: {reportProblem}"); // a run's evaluation.json and report.md
        return report;
    }

    /// <summary>
    /// Writes a run's report again (<see cref="RunReport"/>: report.md and curves.png in the run folder) and prints its
    /// Markdown, or with --json an object with the files' paths and the Markdown; --open also opens report.md with the
    /// system's default app.
    /// </summary>
    public object Report(CommandLine line)
    {
        line.OnlyAllow("run", "open", "json");
        RunReportResult report = RunReport.Write(line.Required("run"));
        if (line.Flag("open")) ReportViewer.Open(report.ReportPath);
        return line.Flag("json") ? report : new CliText(report.Markdown);
    }

    /// <summary>
    /// Runs on the same data and split side by side, from their manifests (<see cref="RunComparison"/>): a table,
    /// or with --json the whole report. Runs on other data, or without a test evaluation, are an error.
    /// </summary>
    public object Compare(CommandLine line, CancellationToken cancellationToken)
    {
        line.OnlyAllow("json");
        if (line.Arguments.Count == 0) throw new UsageException("give the run directories to compare");
        var report = RunComparison.Compare(line.Arguments, new Log(error), cancellationToken);
        return line.Flag("json") ? report : new CliText(ComparisonTable.Format(report));
    }

    /// <summary>
    /// Recommendations for known users, for one ad-hoc history, or for a whole interactions file.
    /// Unknown users are reported on stderr and in the result; the others are still served. --include-seen
    /// (with --user or --items) ranks the users' own items with the others.
    /// </summary>
    public object Recommend(CommandLine line, CancellationToken cancellationToken, out bool allServed)
    {
        line.OnlyAllow(["model", "user", "items", "top", "device", "batch-size", "include-seen", .. BatchOptionNames]);
        int top = line.Int("top", 1, SettingRanges.MaxTop) ?? 20;
        var users = line.Values("user");
        string? items = line.Value("items");
        string? input = line.Value("input");
        if ((users.Count > 0 ? 1 : 0) + (items is null ? 0 : 1) + (input is null ? 0 : 1) != 1)
            throw new UsageException("give exactly one of --user, --items or --input");
        bool excludeSeen = !line.Flag("include-seen");
        if (!excludeSeen && input is not null) throw new UsageException("--include-seen goes with --user or --items, not --input");
        // The command line is checked in full before the model is opened.
        var batch = input is null ? null : BatchOptions(line);
        using var service = OpenService(line);
        allServed = true;
        if (batch is not null)
            return service.RecommendFile(batch, top, progress.BatchScoring(), cancellationToken);

        var results = items is not null
            ? [service.RecommendForHistory(items.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), top, excludeSeen: excludeSeen)]
            : service.RecommendForUsers(users, top, cancellationToken, excludeSeen);
        foreach (var failed in results.Where(r => !r.Succeeded))
        {
            error.WriteLine($"vaetoolkit: error: {failed.Error}");
            allServed = false;
        }
        return results;
    }

    /// <summary>
    /// The items most similar to each --item (cosine of the items' vectors). Unknown ids are reported on stderr
    /// and in the result; the others are still answered.
    /// </summary>
    public object Similar(CommandLine line, out bool allServed)
    {
        line.OnlyAllow("model", "item", "top");
        int top = line.Int("top", 1, SettingRanges.MaxTop) ?? 10;
        var items = line.Values("item");
        if (items.Count == 0) throw new UsageException("give at least one --item");
        var results = ItemSimilarity.Open(line.Required("model")).SimilarForItems(items, top);
        allServed = true;
        foreach (var failed in results.Where(r => !r.Succeeded))
        {
            error.WriteLine($"vaetoolkit: error: {failed.Error}");
            allServed = false;
        }
        return results;
    }

    /// <summary>Each user's latent mean, for every user of an interactions file.</summary>
    public object Embed(CommandLine line, CancellationToken cancellationToken)
    {
        line.OnlyAllow(["model", "device", "batch-size", .. BatchOptionNames]);
        var batch = BatchOptions(line);
        using var service = OpenService(line);
        return service.EmbedFile(batch, progress.BatchScoring(), cancellationToken);
    }

    /// <summary>A delimiter as typed, escapes such as \t allowed.</summary>
    private static string Unescape(string delimiter)
    {
        try
        {
            return Regex.Unescape(delimiter);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"option --delimiter '{delimiter}': {e.Message}");
        }
    }

    private static readonly string[] BatchOptionNames = ["input", "output", "format", "user-column", "item-column", "delimiter", "shard", "force", "spill-dir"];

    private static RecommendationService OpenService(CommandLine line) =>
        RecommendationService.Open(line.Required("model"), line.Value("device") ?? "cpu",
            line.Int("batch-size", 1, SettingRanges.MaxBatchSize), forBatchJobs: line.Value("input") is not null);

    private static BatchJobOptions BatchOptions(CommandLine line)
    {
        ShardSpec shard;
        try
        {
            shard = line.Value("shard") is string text ? ShardSpec.Parse(text) : ShardSpec.Whole;
        }
        catch (FormatException e)
        {
            throw new UsageException($"option --shard: {e.Message}");
        }
        var defaults = new InteractionColumns();
        return new BatchJobOptions
        {
            InputPath = line.Required("input"),
            OutputPath = line.Required("output"),
            Format = line.Value("format") is string format && format is not ("csv" or "parquet")
                ? throw new UsageException($"option --format must be csv or parquet, not '{format}'")
                : line.Value("format"),
            Columns = new InteractionColumns
            {
                User = line.Value("user-column") ?? defaults.User,
                Item = line.Value("item-column") ?? defaults.Item,
                Delimiter = line.Value("delimiter") is string delimiter ? Unescape(delimiter) : null,
            },
            Shard = shard,
            Force = line.Flag("force"),
            SpillDirectory = line.Value("spill-dir"),
        };
    }

    private static VaeConfig LoadConfig(CommandLine line, params string[] extraOverrides)
    {
        var overrides = line.Values("set").Concat(extraOverrides).ToList();
        foreach (string key in new[] { "device", "precision", "gpus" })
            if (line.Value(key) is string value) overrides.Add($"{key}={value}");
        return ModelRegistry.ConfigLoader.Load(line.Required("config"), overrides);
    }

    /// <summary>A YAML single-quoted scalar, for values put into --set style overrides.</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "''") + "'";

    private sealed class Log(TextWriter error) : IProgress<string>
    {
        public void Report(string value) => error.WriteLine(value);
    }
}
