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
