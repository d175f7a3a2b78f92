using VaeToolkit.Metrics;

namespace VaeToolkit.Tests.Metrics;

public sealed class RankingMetricsTests
{
    // ranked = [5, 1, 7, 3], targets = {1, 3, 9}: hits at 0-based ranks 1 and 3.
    private static readonly int[] Ranked = [5, 1, 7, 3];
    private static readonly int[] Targets = [1, 3, 9];

    [Fact]
    public void Ndcg_DiscountsHitsByRankAndNormalisesByTheIdealList()
    {
        // DCG@4  = 1/log2(3) + 1/log2(5)            = 0.63093 + 0.43068          = 1.06161
        // IDCG@4 = 3 ideal hits (min(3 targets, 4)) = 1 + 1/log2(3) + 1/log2(4) = 2.13093
        Assert.Equal(1.0616063116 / 2.1309297536, RankingMetrics.NdcgAtK(Ranked, Targets, 4), 1e-9);
        Assert.Equal(0.4981892575, RankingMetrics.NdcgAtK(Ranked, Targets, 4), 1e-9);
    }

    [Fact]
    public void Ndcg_OnlyLooksAtTheTopK()
    {
        // Top 2 = [5, 1]: DCG = 1/log2(3) = 0.63093; IDCG over min(3, 2) = 2 positions = 1 + 0.63093.
        Assert.Equal(0.3868528072, RankingMetrics.NdcgAtK(Ranked, Targets, 2), 1e-9);
    }

    [Fact]
    public void Recall_DividesHitsByTheSmallerOfKAndTheTargetCount()
    {
        // k = 4: 2 hits / min(4, 3) = 2/3.  k = 2: 1 hit / min(2, 3) = 1/2.  k = 1: [5] has no hit.
        Assert.Equal(2.0 / 3, RankingMetrics.RecallAtK(Ranked, Targets, 4), 1e-12);
        Assert.Equal(0.5, RankingMetrics.RecallAtK(Ranked, Targets, 2), 1e-12);
        Assert.Equal(0.0, RankingMetrics.RecallAtK(Ranked, Targets, 1), 1e-12);
    }

    [Fact]
    public void PerfectAndEmptyLists_ScoreOneAndZero()
    {
        Assert.Equal(1.0, RankingMetrics.NdcgAtK([9, 3, 1, 5], Targets, 100), 1e-12);
        Assert.Equal(1.0, RankingMetrics.RecallAtK([9, 3, 1, 5], Targets, 100), 1e-12);
        Assert.Equal(0.0, RankingMetrics.NdcgAtK([], Targets, 100), 1e-12);
    }

    [Fact]
    public void UsersWithoutTargetsOrUnsortedTargets_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => RankingMetrics.NdcgAtK(Ranked, [], 10));
        Assert.Throws<ArgumentException>(() => RankingMetrics.RecallAtK(Ranked, [3, 1], 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingMetrics.RecallAtK(Ranked, Targets, 0));
    }

    [Fact]
    public void Accumulator_AveragesOverUsersWithTargetsOnly()
    {
        var metrics = new RankingMetricsAccumulator();
        Assert.True(double.IsNaN(metrics.NdcgAt100));

        metrics.Add(Ranked, Targets); // NDCG@100 = 0.49819 (as above), Recall@20 = Recall@50 = 2/3
        metrics.Add([4, 2], [2]);     // hit at rank 1: NDCG = 1/log2(3) / 1 = 0.63093, Recall = 1
        metrics.Add([4, 2], []);      // no targets: skipped

        Assert.Equal(2, metrics.Users);
        Assert.Equal((0.4981892575 + 0.6309297536) / 2, metrics.NdcgAt100, 1e-9);
        Assert.Equal((2.0 / 3 + 1) / 2, metrics.RecallAt20, 1e-12);
        Assert.Equal((2.0 / 3 + 1) / 2, metrics.RecallAt50, 1e-12);
    }

    [Fact]
    public void Precision_DividesHitsByK_EvenWhenTheListIsShorter()
    {
        // k = 4: 2 hits / 4.  k = 2: 1 hit / 2.  k = 1: no hit.  k = 10: the 4-item list still has 2 hits, over 10.
        Assert.Equal(0.5, RankingMetrics.PrecisionAtK(Ranked, Targets, 4), 1e-12);
        Assert.Equal(0.5, RankingMetrics.PrecisionAtK(Ranked, Targets, 2), 1e-12);
        Assert.Equal(0.0, RankingMetrics.PrecisionAtK(Ranked, Targets, 1), 1e-12);
        Assert.Equal(0.2, RankingMetrics.PrecisionAtK(Ranked, Targets, 10), 1e-12);
    }

    [Fact]
    public void ReciprocalRank_IsOneOverTheFirstHitsRankWithinK()
    {
        // The first hit (item 1) is at 1-based rank 2: 1/2 once k reaches 2; the top 1 ([5]) has none: 0.
        Assert.Equal(0.5, RankingMetrics.ReciprocalRankAtK(Ranked, Targets, 100), 1e-12);
        Assert.Equal(0.5, RankingMetrics.ReciprocalRankAtK(Ranked, Targets, 2), 1e-12);
        Assert.Equal(0.0, RankingMetrics.ReciprocalRankAtK(Ranked, Targets, 1), 1e-12);
        // [3, ...]: a hit at rank 1 scores 1 whatever follows.
        Assert.Equal(1.0, RankingMetrics.ReciprocalRankAtK([3, 5, 1], Targets, 3), 1e-12);
    }

    [Fact]
    public void AveragePrecision_SumsPrecisionAtEachHitOverTheSmallerOfKAndTheTargetCount()
    {
        // Hits at 1-based ranks 2 and 4: precision@2 = 1/2, precision@4 = 2/4.
        // k = 4:   (1/2 + 2/4) / min(4, 3) = 1/3.   k = 100: the same, 1/3.
        // k = 2:   (1/2) / min(2, 3)       = 1/4.   k = 1:   no hit, 0.
        Assert.Equal(1.0 / 3, RankingMetrics.AveragePrecisionAtK(Ranked, Targets, 4), 1e-12);
        Assert.Equal(1.0 / 3, RankingMetrics.AveragePrecisionAtK(Ranked, Targets, 100), 1e-12);
        Assert.Equal(0.25, RankingMetrics.AveragePrecisionAtK(Ranked, Targets, 2), 1e-12);
        Assert.Equal(0.0, RankingMetrics.AveragePrecisionAtK(Ranked, Targets, 1), 1e-12);
        // Five targets, k = 3, hits at ranks 1, 2, 3: (1 + 2/2 + 3/3) / min(3, 5) = 1 (dividing by the 5 targets,
        // information retrieval's AP, would give 3/5).
        Assert.Equal(1.0, RankingMetrics.AveragePrecisionAtK([1, 3, 5, 7], [1, 2, 3, 4, 5], 3), 1e-12);
        // Targets {2, 4}, ranked [2, 9, 4]: (1/1 + 2/3) / min(3, 2) = 5/6.
        Assert.Equal(5.0 / 6, RankingMetrics.AveragePrecisionAtK([2, 9, 4], [2, 4], 3), 1e-12);
    }

    [Fact]
    public void Hit_IsOneWhenTheTopKHoldsATarget()
    {
        Assert.Equal(0.0, RankingMetrics.HitAtK(Ranked, Targets, 1));   // [5]
        Assert.Equal(1.0, RankingMetrics.HitAtK(Ranked, Targets, 2));   // [5, 1]
        Assert.Equal(0.0, RankingMetrics.HitAtK([4, 6], Targets, 100)); // no target anywhere
    }

    [Fact]
    public void NewMetrics_ScoreOneForAPerfectListAndRejectBadArguments()
    {
        // [9, 3, 1] are exactly the 3 targets.
        Assert.Equal(1.0, RankingMetrics.PrecisionAtK([9, 3, 1], Targets, 3), 1e-12);
        Assert.Equal(1.0, RankingMetrics.AveragePrecisionAtK([9, 3, 1, 5], Targets, 100), 1e-12);
        Assert.Equal(1.0, RankingMetrics.ReciprocalRankAtK([9, 3, 1], Targets, 3), 1e-12);
        Assert.Throws<ArgumentException>(() => RankingMetrics.PrecisionAtK(Ranked, [], 10));
        Assert.Throws<ArgumentException>(() => RankingMetrics.AveragePrecisionAtK(Ranked, [3, 1], 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingMetrics.ReciprocalRankAtK(Ranked, Targets, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingMetrics.HitAtK(Ranked, Targets, 0));
    }

    [Fact]
    public void Accumulator_ReportsTheSelectedMetricsInOrder()
    {
        var metrics = new RankingMetricsAccumulator(
            [.. RankingMetric.ParseList(["map@100", "precision@2", "mrr@100", "hit_rate@1", "ndcg@2", "recall@2"])], itemCount: 10);
        Assert.All(metrics.Metrics.Values, value => Assert.True(double.IsNaN(value)));

        metrics.Add(Ranked, Targets); // hits at ranks 2 and 4: AP@100 1/3, P@2 1/2, RR 1/2, hit@1 0, NDCG@2 0.3868528, R@2 1/2
        metrics.Add([4, 2], [2]);     // hit at rank 2:        AP@100 1/2, P@2 1/2, RR 1/2, hit@1 0, NDCG@2 0.6309298, R@2 1
        metrics.Add([2, 4], [2]);     // hit at rank 1:        AP@100 1,   P@2 1/2, RR 1,   hit@1 1, NDCG@2 1,         R@2 1
        metrics.Add([4, 2], []);      // no targets: skipped

        Assert.Equal(3, metrics.Users);
        Assert.Equal(["map@100", "precision@2", "mrr@100", "hit_rate@1", "ndcg@2", "recall@2"], metrics.Metrics.Keys);
        Assert.Equal((1.0 / 3 + 0.5 + 1) / 3, metrics.Metrics["map@100"], 1e-12);
        Assert.Equal(0.5, metrics.Metrics["precision@2"], 1e-12);
        Assert.Equal((0.5 + 0.5 + 1) / 3, metrics.Metrics["mrr@100"], 1e-12);
        Assert.Equal(1.0 / 3, metrics.Metrics["hit_rate@1"], 1e-12);
        Assert.Equal((0.3868528072 + 0.6309297536 + 1) / 3, metrics.Metrics["ndcg@2"], 1e-9);
        Assert.Equal((0.5 + 1 + 1) / 3, metrics.Metrics["recall@2"], 1e-12);
        // The three reported as ever stay what they were.
        Assert.Equal((0.4981892575 + 0.6309297536 + 1) / 3, metrics.NdcgAt100, 1e-9);
    }

    [Fact]
    public void Accumulator_CoverageCountsDistinctItemsInAnyTopKOverTheCatalogue()
    {
        var metrics = new RankingMetricsAccumulator([new(RankingMetricKind.Coverage, 1), new(RankingMetricKind.Coverage, 2), new(RankingMetricKind.Coverage, 100)], itemCount: 10);
        Assert.True(double.IsNaN(metrics.Metrics["coverage@1"]));

        metrics.Add([5, 1, 7], [1]);
        metrics.Add([5, 2], [2]);
        metrics.Add([8, 9], []); // no targets: not evaluated, so 8 and 9 are not covered

        // Top 1: {5} of 10 items.  Top 2: {5, 1, 2}.  Top 100: {5, 1, 7, 2}. Not a mean over users: 5 counts once.
        Assert.Equal(0.1, metrics.Metrics["coverage@1"], 1e-12);
        Assert.Equal(0.3, metrics.Metrics["coverage@2"], 1e-12);
        Assert.Equal(0.4, metrics.Metrics["coverage@100"], 1e-12);
    }

    [Fact]
    public void Accumulator_DefaultsToTodaysThreeAndRejectsBadSelections()
    {
        var metrics = new RankingMetricsAccumulator();
        metrics.Add(Ranked, Targets);
        Assert.Equal(["ndcg@100", "recall@20", "recall@50"], metrics.Metrics.Keys);
        Assert.Equal([metrics.NdcgAt100, metrics.RecallAt20, metrics.RecallAt50], metrics.Metrics.Values);

        Assert.Throws<ArgumentException>(() => new RankingMetricsAccumulator([new(RankingMetricKind.Map, 5), new(RankingMetricKind.Map, 5)], 10));
        // Coverage needs the catalogue's size, and items inside it.
        Assert.Throws<ArgumentOutOfRangeException>(() => new RankingMetricsAccumulator([new(RankingMetricKind.Coverage, 5)], 0));
        var coverage = new RankingMetricsAccumulator([new(RankingMetricKind.Coverage, 5)], 4);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => coverage.Add([1, 4], [1]));
        Assert.Contains("item 4 at rank 2 is outside the catalogue of 4 items", error.Message);
    }
}
