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
}
