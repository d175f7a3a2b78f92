using VaeToolkit.Configuration;
using VaeToolkit.Inference;
using VaeToolkit.Runs;
using VaeToolkit.Training;
using VaeToolkit.Training.Export;
using VaeToolkit.Training.Scoring;

namespace VaeToolkit.Orchestration.Benchmarks;

/// <summary>
/// Measures scoring alone, with no file I/O: the model's known users (repeated up to <c>users</c>) in
/// batches, through the ONNX Runtime recommender graph and, in the same run, through a dense libtorch
/// forward pass of the same weights, two ways (<see cref="LibtorchScorer"/>): the trainer's validation path
/// (an embedding bag over the sparse history) and a naive dense multi-hot input. Two batches of each warm up first.
/// All three run on the device given: ONNX Runtime's CUDA execution provider and libtorch's CUDA device for
/// <c>cuda</c>/<c>cuda:N</c>. Asked for, the engine is also timed through IOBinding, right after its plain run.
/// </summary>
public static class ScoringBenchmark
{
    /// <summary>The users per call when none is given: <see cref="ScoringBatchSize.For"/> with this on the CPU.</summary>
    public const int CpuBatchSize = 1000;

    /// <param name="batchSize">Users per call; null: <see cref="CpuBatchSize"/> on the CPU, a GPU-sized batch on CUDA (<see cref="ScoringBatchSize"/>).</param>
    /// <param name="ioBinding">Also time the engine opened with IOBinding (<see cref="OnnxRecommender.Open"/>), on the same users.</param>
    public static ScoringBenchmarkReport Run(string modelPath, int users, int top, int? batchSize = null, string device = "cpu", IProgress<string>? log = null, CancellationToken cancellationToken = default, bool ioBinding = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(users, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        if (batchSize is int given) ArgumentOutOfRangeException.ThrowIfLessThan(given, 1);
        var bundle = ModelBundle.Open(modelPath);
        // The libtorch baselines rebuild Mult-VAE's network from the graph's weights: other models have none to rebuild.
        if (bundle.Card.ModelType is not (ModelTypes.Vae or ModelTypes.Dae))
            throw new NotSupportedException($"the scoring benchmark sets ONNX Runtime beside libtorch's Mult-VAE/DAE forward passes; {bundle.Directory} holds a '{bundle.Card.ModelType}' model (time its scoring with benchmark-serve or a batch job instead)");
        if (bundle.UserHistories.RowCount == 0) throw new InvalidDataException($"{bundle.Directory} knows no users to score");
        int size = batchSize ?? ScoringBatchSize.For(device, bundle.Card.ItemCount, CpuBatchSize);
        var batches = ScoringBatches.Repeated(bundle.UserHistories, users, size);

        using var engine = OnnxRecommender.Open(bundle.Directory, device);
        var torchDevice = TorchDevices.Resolve(device);
        log?.Report($"ONNX Runtime on {device}: {users:N0} users in batches of {size}, top {top}");
        var (engineSeconds, engineFirst) = ScoringBatches.Time(batches, batch => Flatten(engine.Recommend(batch, top)), cancellationToken);
        (double Seconds, long[] First)? bound = null;
        if (ioBinding)
        {
            using var boundEngine = OnnxRecommender.Open(bundle.Directory, device, ioBinding: true);
            log?.Report($"ONNX Runtime on {device} through IOBinding: the same users");
            bound = ScoringBatches.Time(batches, batch => Flatten(boundEngine.Recommend(batch, top)), cancellationToken);
        }

        using var libtorch = new LibtorchScorer(ExportedWeights.Read(bundle.RecommenderPath), torchDevice);
        log?.Report("libtorch, the trainer's validation path (embedding bag): the same users and weights");
        var (sparseSeconds, sparseFirst) = ScoringBatches.Time(batches, batch => libtorch.Recommend(batch, top, LibtorchScorer.ItemLayer.Sparse).Items, cancellationToken);
        log?.Report("libtorch, dense multi-hot input: the same users and weights");
        var (denseSeconds, denseFirst) = ScoringBatches.Time(batches, batch => libtorch.Recommend(batch, top, LibtorchScorer.ItemLayer.Dense).Items, cancellationToken);

        int width = Math.Min(top, bundle.Card.ItemCount);
        return new ScoringBenchmarkReport
        {
            ModelPath = bundle.Directory,
            Device = device,
            Threads = engine.Threads,
            Items = bundle.Card.ItemCount,
            Users = users,
            Top = top,
            BatchSize = size,
            EngineSeconds = engineSeconds,
            EngineUsersPerSecond = users / engineSeconds,
            ValidationPathSeconds = sparseSeconds,
            ValidationPathUsersPerSecond = users / sparseSeconds,
            EngineToValidationPath = sparseSeconds / engineSeconds,
            BaselineSeconds = denseSeconds,
            BaselineUsersPerSecond = users / denseSeconds,
            EngineToBaseline = denseSeconds / engineSeconds,
            IoBindingSeconds = bound?.Seconds,
            IoBindingUsersPerSecond = users / bound?.Seconds,
            IoBindingToEngine = engineSeconds / bound?.Seconds,
            TopKAgreement = new[] { Agreement(engineFirst, denseFirst, width), Agreement(engineFirst, sparseFirst, width), bound is { } b ? Agreement(engineFirst, b.First, width) : 1 }.Min(),
        };
    }

    private static long[] Flatten(TopKResult result)
    {
        var items = new long[(long)result.UserCount * result.Width];
        for (int u = 0; u < result.UserCount; u++)
            for (int j = 0; j < result.Length(u); j++)
                items[(long)u * result.Width + j] = result.Items(u)[j];
        return items;
    }

    private static double Agreement(long[] engine, long[] baseline, int width)
    {
        int users = engine.Length / width;
        int agree = 0;
        for (int u = 0; u < users; u++)
            if (engine.AsSpan(u * width, width).ToArray().ToHashSet().SetEquals(baseline.AsSpan(u * width, width).ToArray()))
                agree++;
        return (double)agree / users;
    }
}
