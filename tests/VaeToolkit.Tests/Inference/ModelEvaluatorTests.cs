using VaeToolkit.Inference;
using VaeToolkit.Metrics;
using VaeToolkit.Runs;
using VaeToolkit.Tests.Export;

namespace VaeToolkit.Tests.Inference;

public sealed class ModelEvaluatorTests
{
    [Fact]
    public void Evaluate_ScoresTheTestUsersAndThePopularityBaseline()
    {
        using var model = TestModel.Create();
        var bundle = ModelBundle.Open(model.Root.Path);
        var progress = new ProgressRecorder();

        var report = ModelEvaluator.Evaluate(bundle, batchSize: 2, progress: progress, cancellationToken: TestContext.Current.CancellationToken);

        // t2 has no targets, so two users count; batches of 2 over 3 users report 2, then 3.
        Assert.Equal(2, report.Users);
        Assert.Equal([2, 3], progress.Values);
        Assert.Equal(model.ModelDirectory, report.ModelPath);

        // Popularity ranks items 0, 1, 2, ... (minus the fold-in).
        // t0 folds in {0, 1} and wants {2, 3}: ranks 0 and 1, a perfect list: NDCG 1, recalls 1.
        // t1 folds in {5} and wants {49}: the 48 items 0..48 less item 5 come first, so 49 is at 0-based
        //   rank 48: Recall@20 = 0, Recall@50 = 1, NDCG@100 = 1/log2(48 + 2) = 0.1771838.
        Assert.Equal((1 + 0.1771838201) / 2, report.PopularityNdcgAt100, 1e-9);
        Assert.Equal(0.5, report.PopularityRecallAt20, 1e-12);
        Assert.Equal(1.0, report.PopularityRecallAt50, 1e-12);

        // The model's metrics are those of the reference forward pass's rankings.
        var expected = new RankingMetricsAccumulator();
        for (int u = 0; u < TestModel.Test.Count; u++)
        {
            int[] foldIn = TestModel.Test.FoldIn.Row(u).ToArray();
            expected.Add(ReferenceMultVae.TopK(model.Weights, foldIn, 100), TestModel.Test.Targets.Row(u));
        }
        Assert.Equal(expected.NdcgAt100, report.NdcgAt100, 1e-9);
        Assert.Equal(expected.RecallAt20, report.RecallAt20, 1e-12);
        Assert.Equal(expected.RecallAt50, report.RecallAt50, 1e-12);
    }

    [Fact]
    public void Evaluate_ReportsTheSelectedMetricsForTheModelAndThePopularityBaseline()
    {
        using var model = TestModel.Create();
        var bundle = ModelBundle.Open(model.ModelDirectory);
        var selected = RankingMetric.ParseList(["precision@10", "mrr@100", "map@100", "hit_rate@10", "coverage@2"]);

        var report = ModelEvaluator.Evaluate(bundle, metrics: selected, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["precision@10", "mrr@100", "map@100", "hit_rate@10", "coverage@2"], report.Metrics!.Keys);
        // Popularity, as above: t0 gets its targets {2, 3} at 1-based ranks 1 and 2; t1 its target 49 at rank 49.
        //   precision@10: (2/10 + 0) / 2 = 0.1.        MRR@100: (1 + 1/49) / 2.
        //   MAP@100: t0 (1/1 + 2/2) / min(100, 2) = 1, t1 (1/49) / 1: (1 + 1/49) / 2.   hit rate@10: (1 + 0) / 2.
        //   coverage@2: t0's top 2 are {2, 3}, t1's {0, 1} (t2 has no targets): 4 of 50 items.
        var popularity = report.PopularityMetrics!;
        Assert.Equal(0.1, popularity["precision@10"], 1e-12);
        Assert.Equal((1 + 1.0 / 49) / 2, popularity["mrr@100"], 1e-12);
        Assert.Equal((1 + 1.0 / 49) / 2, popularity["map@100"], 1e-12);
        Assert.Equal(0.5, popularity["hit_rate@10"], 1e-12);
        Assert.Equal(4.0 / 50, popularity["coverage@2"], 1e-12);
        // The three reported as ever do not change.
        Assert.Equal((1 + 0.1771838201) / 2, report.PopularityNdcgAt100, 1e-9);

        // The model's are those of the reference forward pass's rankings.
        var expected = new RankingMetricsAccumulator(selected, TestModel.Items);
        for (int u = 0; u < TestModel.Test.Count; u++)
            expected.Add(ReferenceMultVae.TopK(model.Weights, TestModel.Test.FoldIn.Row(u).ToArray(), 100), TestModel.Test.Targets.Row(u));
        foreach (var (name, value) in expected.Metrics)
            Assert.Equal(value, report.Metrics[name], 1e-9);
    }

    [Fact]
    public void Evaluate_ReportsTodaysThreeInMetricsByDefault()
    {
        using var model = TestModel.Create();

        var report = ModelEvaluator.Evaluate(ModelBundle.Open(model.ModelDirectory), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["ndcg@100", "recall@20", "recall@50"], report.Metrics!.Keys);
        Assert.Equal([report.NdcgAt100, report.RecallAt20, report.RecallAt50], report.Metrics.Values);
        Assert.Equal([report.PopularityNdcgAt100, report.PopularityRecallAt20, report.PopularityRecallAt50], report.PopularityMetrics!.Values);
    }

    [Fact]
    public void Evaluate_RejectsPopularityOfAnotherItemCount()
    {
        using var model = TestModel.Create();
        using var recommender = OnnxRecommender.Open(model.ModelDirectory);

        var error = Assert.Throws<ArgumentException>(() => ModelEvaluator.Evaluate(recommender, TestModel.Test, new int[10], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("10 popularity counts for a model of 50 items", error.Message);
    }

    [Fact]
    public void Evaluate_StopsWhenCancelled()
    {
        using var model = TestModel.Create();
        var bundle = ModelBundle.Open(model.ModelDirectory);

        Assert.ThrowsAny<OperationCanceledException>(() => ModelEvaluator.Evaluate(bundle, cancellationToken: new CancellationToken(canceled: true)));
    }

    /// <summary>Records reports synchronously (<see cref="Progress{T}"/> would post them elsewhere).</summary>
    private sealed class ProgressRecorder : IProgress<int>
    {
        public List<int> Values { get; } = [];

        public void Report(int value) => Values.Add(value);
    }
}
