using System.Diagnostics;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Runs;
using VaeToolkit.Training.Export;

namespace VaeToolkit.Training.Scoring;

/// <summary>
/// Measures scoring alone, with no file I/O: the model's known users (repeated up to <c>users</c>) in
/// batches, through the ONNX Runtime recommender graph and, in the same run, through a dense libtorch
/// forward pass of the same weights, two ways (<see cref="LibtorchScorer"/>): the trainer's validation path
/// (an embedding bag over the sparse history) and a naive dense multi-hot input. Two batches of each warm up first.
/// </summary>
public static class ScoringBenchmark
{
    public static ScoringBenchmarkReport Run(string modelPath, int users, int top, int batchSize, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(users, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var bundle = ModelBundle.Open(modelPath);
        if (bundle.UserHistories.RowCount == 0) throw new InvalidDataException($"{bundle.Directory} knows no users to score");
        var batches = Batches(bundle.UserHistories, users, batchSize);

        using var engine = OnnxRecommender.Open(bundle.Directory);
        log?.Report($"ONNX Runtime: {users:N0} users in batches of {batchSize}, top {top}");
        var (engineSeconds, engineFirst) = Time(batches, batch => Flatten(engine.Recommend(batch, top)), cancellationToken);

        using var libtorch = new LibtorchScorer(ExportedWeights.Read(bundle.RecommenderPath));
        log?.Report("libtorch, the trainer's validation path (embedding bag): the same users and weights");
        var (sparseSeconds, sparseFirst) = Time(batches, batch => libtorch.Recommend(batch, top, LibtorchScorer.ItemLayer.Sparse).Items, cancellationToken);
        log?.Report("libtorch, dense multi-hot input: the same users and weights");
        var (denseSeconds, denseFirst) = Time(batches, batch => libtorch.Recommend(batch, top, LibtorchScorer.ItemLayer.Dense).Items, cancellationToken);

        int width = Math.Min(top, bundle.Card.ItemCount);
        return new ScoringBenchmarkReport
        {
            ModelPath = bundle.Directory,
            Device = "cpu",
            Threads = engine.Threads,
            Items = bundle.Card.ItemCount,
            Users = users,
            Top = top,
            BatchSize = batchSize,
            EngineSeconds = engineSeconds,
            EngineUsersPerSecond = users / engineSeconds,
            ValidationPathSeconds = sparseSeconds,
            ValidationPathUsersPerSecond = users / sparseSeconds,
            EngineToValidationPath = sparseSeconds / engineSeconds,
            BaselineSeconds = denseSeconds,
            BaselineUsersPerSecond = users / denseSeconds,
            EngineToBaseline = denseSeconds / engineSeconds,
            TopKAgreement = Math.Min(Agreement(engineFirst, denseFirst, width), Agreement(engineFirst, sparseFirst, width)),
        };
    }

    /// <summary>The first <paramref name="users"/> rows of <paramref name="known"/>, repeated as needed, cut into batches.</summary>
    private static List<CsrMatrix> Batches(CsrMatrix known, int users, int batchSize)
    {
        var batches = new List<CsrMatrix>();
        for (int start = 0; start < users; start += batchSize)
        {
            int[] rows = [.. Enumerable.Range(start, Math.Min(batchSize, users - start)).Select(u => u % known.RowCount)];
            batches.Add(known.SelectRows(rows));
        }
        return batches;
    }

    /// <summary>Seconds to score every batch after two warm-up batches, and the first batch's top items.</summary>
    private static (double Seconds, long[] FirstItems) Time(List<CsrMatrix> batches, Func<CsrMatrix, long[]> score, CancellationToken cancellationToken)
    {
        // Warm-up: first-call allocations and lazy initialisation (ONNX Runtime's arena grows over two calls).
        long[] first = score(batches[0]);
        score(batches[^1]);
        var watch = Stopwatch.StartNew();
        foreach (var batch in batches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            score(batch);
        }
        return (watch.Elapsed.TotalSeconds, first);
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
