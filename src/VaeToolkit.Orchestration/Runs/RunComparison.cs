using System.Globalization;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Runs;

namespace VaeToolkit.Orchestration.Runs;

/// <summary>
/// Puts training runs on the same data and split side by side: each run's test scores as its manifest
/// recorded them (no model is scored again), its training time, model size, model type and best epoch,
/// and the popularity baseline once. Runs on other data or another split are refused: their scores would
/// average over other test users. The data hash covers the source files and every split setting, the seed
/// included (<c>DatasetPreparer</c>), so it alone decides; the data set name and the item and user counts
/// are compared as well, to say how the runs differ.
/// </summary>
public static class RunComparison
{
    /// <summary>Users scored per ONNX Runtime call when a model directory without a run is evaluated.</summary>
    private const int EvaluationBatchSize = 1000;

    /// <summary>Loads every path (<see cref="Load"/>) and compares the runs (<see cref="Compare(IReadOnlyList{ComparedRun})"/>).</summary>
    public static RunComparisonReport Compare(IEnumerable<string> paths, IProgress<string>? log = null, CancellationToken cancellationToken = default) =>
        Compare([.. paths.Select(path => Load(path, log, cancellationToken))]);

    /// <summary>
    /// Checks that the runs share their data and split, then returns them best NDCG@100 first (ties by path).
    /// A run given twice counts once. Throws <see cref="RunsNotComparableException"/> naming the runs of each
    /// data and what differs.
    /// </summary>
    public static RunComparisonReport Compare(IReadOnlyList<ComparedRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("no runs to compare", nameof(runs));
        var distinct = runs.DistinctBy(run => run.Path, StringComparer.Ordinal).ToList();
        var groups = distinct.GroupBy(DataKey.Of).OrderByDescending(group => group.Count()).ToList();
        if (groups.Count > 1) throw NotComparable(groups);

        ComparedRun first = distinct[0];
        var sorted = distinct.OrderByDescending(run => run.NdcgAt100).ThenBy(run => run.Path, StringComparer.Ordinal).ToList();
        var popularity = new PopularityBaseline(first.PopularityNdcgAt100, first.PopularityRecallAt20, first.PopularityRecallAt50);
        return new RunComparisonReport(first.Dataset, first.DataHash, first.Items, first.TestUsers, popularity, sorted);
    }

    /// <summary>
    /// One run: a run directory (its manifest's test evaluation), a run's model folder (its run), or a model
    /// directory that belongs to no run, whose test users are then scored with ONNX Runtime on the CPU.
    /// Throws <see cref="RunNotEvaluatedException"/> for a run that has no test evaluation (failed, stopped or
    /// still training), <see cref="DirectoryNotFoundException"/> or <see cref="InvalidDataException"/> for a
    /// path that is neither.
    /// </summary>
    public static ComparedRun Load(string path, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        string directory = Path.GetFullPath(path);
        if (File.Exists(directory))
            throw new InvalidDataException($"'{directory}' is a file, not a run directory");
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"run directory '{directory}' does not exist");
        if (!File.Exists(Path.Combine(directory, RunFiles.Manifest))
            && Path.GetFileName(Path.TrimEndingDirectorySeparator(directory)) == RunFiles.ModelFolder
            && Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(directory)) is { } parent
            && File.Exists(Path.Combine(parent, RunFiles.Manifest)))
            directory = parent; // a run's model folder: the run has its scores and timings
        directory = Path.TrimEndingDirectorySeparator(directory);

        if (File.Exists(Path.Combine(directory, RunFiles.Manifest))) return FromRun(directory);
        if (File.Exists(Path.Combine(directory, ModelFiles.Card))) return FromModel(directory, log, cancellationToken);
        throw new InvalidDataException(
            $"'{directory}' is neither a run directory (it has no {RunFiles.Manifest}) nor a model directory (it has no {ModelFiles.Card})");
    }

    private static ComparedRun FromRun(string directory)
    {
        RunManifest manifest = RunManifest.Load(Path.Combine(directory, RunFiles.Manifest));
        if (manifest.Test is not { } test) throw new RunNotEvaluatedException(directory, manifest.Status, manifest.Error);
        string modelDirectory = Path.Combine(directory, RunFiles.ModelFolder);
        string cardPath = Path.Combine(modelDirectory, ModelFiles.Card);
        if (!File.Exists(cardPath))
            throw new InvalidDataException($"run '{directory}' has test scores but no model ({RunFiles.ModelFolder}/{ModelFiles.Card} is missing)");
        ModelCard card = ModelCard.Load(cardPath);
        DatasetSummary? data = manifest.Data;
        return Row(directory, modelDirectory, card, test, "manifest", data?.TestUsers ?? TestUsersOf(modelDirectory)) with
        {
            Status = manifest.Status,
            Dataset = data?.Name ?? card.Dataset,
            DataHash = data?.DataHash ?? card.DataHash,
            Items = data?.Items ?? card.ItemCount,
            TrainUsers = data?.TrainUsers,
            BestEpoch = manifest.BestEpoch ?? card.BestEpoch,
            Epochs = manifest.History.Count,
            BestValidationNdcgAt100 = manifest.BestValidationNdcgAt100 ?? card.ValidationNdcgAt100,
            TrainSeconds = manifest.TimingsSeconds.TryGetValue("train", out double train) ? train : null,
            TotalSeconds = manifest.TimingsSeconds.TryGetValue("total", out double total) ? total : null,
            Device = manifest.Device,
        };
    }

    private static ComparedRun FromModel(string directory, IProgress<string>? log, CancellationToken cancellationToken)
    {
        ModelBundle bundle = ModelBundle.Open(directory);
        log?.Report($"{directory} is a model directory without a run: evaluating its {bundle.Test.Count:N0} test users with ONNX Runtime");
        EvaluationReport test = ModelEvaluator.Evaluate(bundle, "cpu", EvaluationBatchSize, cancellationToken: cancellationToken);
        return Row(directory, bundle.Directory, bundle.Card, test, "evaluated", bundle.Test.Count);
    }

    /// <summary>The test users of a model directory (the rows of its fold-in file), for a manifest written before it summarized the data.</summary>
    private static int TestUsersOf(string modelDirectory) => CsrFile.Load(Path.Combine(modelDirectory, ModelFiles.TestFoldIn)).RowIds.Length;

    private static ComparedRun Row(string directory, string modelDirectory, ModelCard card, EvaluationReport test, string source, int testUsers) => new()
    {
        Path = directory,
        Name = Path.GetFileName(directory),
        ModelType = card.ModelType,
        Dataset = card.Dataset,
        DataHash = card.DataHash,
        Items = card.ItemCount,
        TestUsers = testUsers,
        EvaluatedUsers = test.Users,
        NdcgAt100 = test.NdcgAt100,
        RecallAt20 = test.RecallAt20,
        RecallAt50 = test.RecallAt50,
        PopularityNdcgAt100 = test.PopularityNdcgAt100,
        PopularityRecallAt20 = test.PopularityRecallAt20,
        PopularityRecallAt50 = test.PopularityRecallAt50,
        BestEpoch = card.BestEpoch,
        BestValidationNdcgAt100 = card.ValidationNdcgAt100,
        ModelBytes = Directory.EnumerateFiles(modelDirectory, "*", SearchOption.AllDirectories).Sum(file => new FileInfo(file).Length),
        Precision = card.Precision ?? "fp32",
        ModelPath = modelDirectory,
        TestSource = source,
    };

    private static RunsNotComparableException NotComparable(List<IGrouping<DataKey, ComparedRun>> groups)
    {
        var keys = groups.Select(group => group.Key).ToList();
        var differences = new List<string>();
        if (keys.Select(key => key.Dataset).Distinct().Count() > 1) differences.Add("data set");
        if (keys.Select(key => key.DataHash).Distinct().Count() > 1) differences.Add("data hash");
        if (keys.Select(key => key.Items).Distinct().Count() > 1) differences.Add("items");
        if (keys.Select(key => key.TestUsers).Distinct().Count() > 1) differences.Add("test users");
        string described = string.Join("; ", groups.Select(group =>
            $"{string.Join(", ", group.Select(run => $"'{run.Path}'"))} ({group.Key})"));
        string message = $"cannot compare runs trained on different data or splits (they differ in {string.Join(", ", differences)}): {described}. " +
            "The data hash covers the source files and the split settings (seed, held-out users, target fraction, minimum items per user), " +
            "so runs to compare must use the same data set, data settings and seed";
        return new RunsNotComparableException(message, [.. groups.Select(group => (IReadOnlyList<string>)[.. group.Select(run => run.Path)])]);
    }

    /// <summary>What makes two runs' test scores comparable.</summary>
    private sealed record DataKey(string Dataset, string DataHash, int Items, int TestUsers)
    {
        public static DataKey Of(ComparedRun run) => new(run.Dataset, run.DataHash, run.Items, run.TestUsers);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Dataset}, data hash {DataHash[..Math.Min(12, DataHash.Length)]}, {Items:N0} items, {TestUsers:N0} test users");
    }
}
