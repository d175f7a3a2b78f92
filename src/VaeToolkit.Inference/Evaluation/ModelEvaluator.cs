using VaeToolkit.Data;
using VaeToolkit.Metrics;
using VaeToolkit.Runs;

namespace VaeToolkit.Inference;

/// <summary>
/// Scores held-out users' fold-in items with the ONNX model, batch by batch, and ranks their target
/// items with NDCG@100, Recall@20 and Recall@50 and the selected metrics, next to a popularity baseline.
/// </summary>
public static class ModelEvaluator
{
    /// <summary>Users per ONNX Runtime call on the CPU when the caller does not say (on CUDA, see <see cref="ScoringBatchSize.For"/>).</summary>
    public const int DefaultBatchSize = 1000;

    /// <summary>Evaluates a model directory on its own test users.</summary>
    /// <param name="progress">Receives the number of users scored so far after each batch.</param>
    /// <param name="metrics">The metrics for <see cref="EvaluationReport.Metrics"/>; null: <see cref="RankingMetric.Defaults"/>.</param>
    public static EvaluationReport Evaluate(ModelBundle bundle, string device = "cpu", int batchSize = DefaultBatchSize,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default, IReadOnlyList<RankingMetric>? metrics = null)
    {
        using var recommender = OnnxRecommender.Open(bundle.Directory, device);
        return Evaluate(recommender, bundle.Test, bundle.Items.Popularity, batchSize, progress, cancellationToken, metrics);
    }

    /// <summary>Evaluates any held-out users, such as the validation users while training.</summary>
    /// <param name="popularity">Training popularity of each item, for the baseline.</param>
    public static EvaluationReport Evaluate(OnnxRecommender recommender, HeldOutUsers users, IReadOnlyList<int> popularity,
        int batchSize = DefaultBatchSize, IProgress<int>? progress = null, CancellationToken cancellationToken = default, IReadOnlyList<RankingMetric>? metrics = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (popularity.Count != recommender.ItemCount)
            throw new ArgumentException($"{popularity.Count} popularity counts for a model of {recommender.ItemCount} items", nameof(popularity));

        metrics ??= RankingMetric.Defaults;
        var model = new RankingMetricsAccumulator(metrics, recommender.ItemCount);
        var baseline = new RankingMetricsAccumulator(metrics, recommender.ItemCount);
        int[] byPopularity = ItemTable.RankByPopularity(popularity);
        var baselineList = new int[RankingMetricsAccumulator.Depth];

        for (int start = 0; start < users.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int[] rows = [.. Enumerable.Range(start, Math.Min(batchSize, users.Count - start))];
            var top = recommender.Recommend(users.FoldIn.SelectRows(rows), RankingMetricsAccumulator.Depth);
            for (int i = 0; i < rows.Length; i++)
            {
                var targets = users.Targets.Row(rows[i]);
                model.Add(top.Items(i), targets);
                baseline.Add(MostPopular(byPopularity, users.FoldIn.Row(rows[i]), baselineList), targets);
            }
            progress?.Report(start + rows.Length);
        }

        return new EvaluationReport(model.Users, model.NdcgAt100, model.RecallAt20, model.RecallAt50,
            baseline.NdcgAt100, baseline.RecallAt20, baseline.RecallAt50, recommender.ModelDirectory)
        {
            Metrics = model.Metrics,
            PopularityMetrics = baseline.Metrics,
        };
    }

    /// <summary>The most popular items that are not in <paramref name="foldIn"/> (sorted), as many as <paramref name="buffer"/> holds.</summary>
    private static ReadOnlySpan<int> MostPopular(int[] byPopularity, ReadOnlySpan<int> foldIn, int[] buffer)
    {
        int count = 0;
        foreach (int item in byPopularity)
        {
            if (count == buffer.Length) break;
            if (foldIn.BinarySearch(item) < 0) buffer[count++] = item;
        }
        return buffer.AsSpan(0, count);
    }
}
