using VaeToolkit.Metrics;

namespace VaeToolkit.Tests.Metrics;

public sealed class RankingMetricTests
{
    [Theory]
    [InlineData("ndcg@100", RankingMetricKind.Ndcg, 100, "ndcg@100")]
    [InlineData("Precision@10", RankingMetricKind.Precision, 10, "precision@10")]
    [InlineData(" hit_rate@1 ", RankingMetricKind.HitRate, 1, "hit_rate@1")]
    [InlineData("MAP@100", RankingMetricKind.Map, 100, "map@100")]
    [InlineData("mrr@5", RankingMetricKind.Mrr, 5, "mrr@5")]
    [InlineData("coverage@100", RankingMetricKind.Coverage, 100, "coverage@100")]
    [InlineData("recall@50", RankingMetricKind.Recall, 50, "recall@50")]
    public void Parse_ReadsANameAndACutOff(string text, RankingMetricKind kind, int k, string name)
    {
        var metric = RankingMetric.Parse(text);

        Assert.Equal((kind, k, name), (metric.Kind, metric.K, metric.Name));
    }

    [Theory]
    [InlineData("foo@10", "unknown metric 'foo@10'")]
    [InlineData("hitrate@10", "unknown metric 'hitrate@10'")]
    [InlineData("precision", "give a cut-off, such as precision@10")]
    [InlineData("precision@", "no whole number after '@'")]
    [InlineData("precision@ten", "no whole number after '@'")]
    [InlineData("precision@-1", "no whole number after '@'")]
    [InlineData("precision@0", "k must be from 1 to 100")]
    [InlineData("precision@101", "k must be from 1 to 100")]
    [InlineData("precision@99999999999", "no whole number after '@'")]
    public void Parse_RejectsUnknownOrMalformedNamesListingTheKnownOnes(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => RankingMetric.Parse(text));

        Assert.Contains(reason, error.Message);
        if (!reason.StartsWith("k must", StringComparison.Ordinal))
            Assert.Contains("ndcg@k, recall@k, precision@k, mrr@k, map@k, hit_rate@k, coverage@k", error.Message);
    }

    [Fact]
    public void ParseList_TakesNamesOneByOneOrSeparatedByCommas()
    {
        var metrics = RankingMetric.ParseList(["precision@10,mrr@100", "map@5"]);

        Assert.Equal(["precision@10", "mrr@100", "map@5"], metrics.Select(m => m.Name));
        Assert.Contains("named twice", Assert.Throws<FormatException>(() => RankingMetric.ParseList(["map@5", "MAP@5"])).Message);
        Assert.Throws<FormatException>(() => RankingMetric.ParseList([]));
        Assert.Throws<FormatException>(() => RankingMetric.ParseList(["precision@10,"]));
    }

    [Fact]
    public void Defaults_AreTodaysThree()
    {
        Assert.Equal(["ndcg@100", "recall@20", "recall@50"], RankingMetric.Defaults.Select(m => m.Name));
        Assert.Equal(RankingMetricsAccumulator.Depth, RankingMetric.Parse("ndcg@100").K);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RankingMetric(RankingMetricKind.Map, RankingMetricsAccumulator.Depth + 1));
    }
}
