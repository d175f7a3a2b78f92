using VaeToolkit.Configuration;
using VaeToolkit.Metrics;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Metrics;

/// <summary><c>evaluation.metrics</c> in a config file: read, written back, and its errors with file, line and column.</summary>
public sealed class EvaluationMetricsConfigTests
{
    [Fact]
    public void Metrics_DefaultToTodaysThree()
    {
        Assert.Equal(RankingMetric.Defaults, ModelRegistry.ConfigLoader.Parse("", "x.yaml").Evaluation.Metrics);
    }

    [Fact]
    public void Metrics_AreReadInOrderAndWrittenBack()
    {
        var config = ModelRegistry.ConfigLoader.Parse("evaluation:\n  metrics: [precision@10, MRR@100, coverage@100]\n", "x.yaml");

        Assert.Equal(["precision@10", "mrr@100", "coverage@100"], config.Evaluation.Metrics.Select(m => m.Name));
        string yaml = ConfigWriter.ToYaml(config);
        Assert.Contains("  metrics: [precision@10, mrr@100, coverage@100]", yaml);
        Assert.Equal(config.Evaluation, ModelRegistry.ConfigLoader.Parse(yaml, "x.yaml").Evaluation);
        Assert.NotEqual(ModelRegistry.ConfigLoader.Parse("", "x.yaml").Evaluation, config.Evaluation);
    }

    [Fact]
    public void Metrics_AreNotPartOfWhatACheckpointShares()
    {
        // A resume compares this text: choosing other metrics must not refuse it.
        var plain = ModelRegistry.ConfigLoader.Parse("", "x.yaml");
        var other = ModelRegistry.ConfigLoader.Parse("evaluation:\n  metrics: [map@10]\n", "x.yaml");

        Assert.Equal(ConfigWriter.ToYamlWithoutExport(plain), ConfigWriter.ToYamlWithoutExport(other));
        Assert.DoesNotContain("metrics", ConfigWriter.ToYamlWithoutExport(other));
    }

    [Fact]
    public void Metrics_CanBeSetByAnOverride()
    {
        var config = ModelRegistry.ConfigLoader.Parse("", "x.yaml", ["evaluation.metrics=[hit_rate@10, map@100]"]);

        Assert.Equal(["hit_rate@10", "map@100"], config.Evaluation.Metrics.Select(m => m.Name));
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse("", "x.yaml", ["evaluation.metrics=[hits@10]"]));
        Assert.Contains("unknown metric 'hits@10'", error.Message);
        Assert.Contains("in an override", error.Message);
    }

    [Theory]
    // Line 4, column 5: the second entry of the block list.
    [InlineData("evaluation:\n  metrics:\n  - ndcg@100\n  - hits@10\n", "x.yaml(4,5): error VAE0104: 'evaluation.metrics': unknown metric 'hits@10': a metric is one of ndcg@k, recall@k, precision@k, mrr@k, map@k, hit_rate@k, coverage@k")]
    [InlineData("evaluation:\n  metrics: [precision@10, map@500]\n", "x.yaml(2,27): error VAE0104: 'evaluation.metrics': 'map@500': k must be from 1 to 100, the number of items the evaluator ranks per user")]
    [InlineData("evaluation:\n  metrics: [precision]\n", "x.yaml(2,13): error VAE0104: 'evaluation.metrics': 'precision' is not a metric: give a cut-off, such as precision@10")]
    [InlineData("evaluation:\n  metrics: [map@10, map@10]\n", "x.yaml(2,21): error VAE0102: 'evaluation.metrics' lists 'map@10' twice")]
    [InlineData("evaluation:\n  metrics: ndcg@100\n", "x.yaml(2,12): error VAE0103: 'evaluation.metrics' must be a list of metrics such as [ndcg@100, recall@20, precision@10]")]
    [InlineData("evaluation:\n  metrics: []\n", "x.yaml(2,12): error VAE0104: 'evaluation.metrics' must not be empty")]
    [InlineData("evaluation:\n  metrics: [[ndcg@100]]\n", "x.yaml(2,13): error VAE0103: every entry of 'evaluation.metrics' must be a single value")]
    public void BadMetrics_AreErrorsNamingTheFileLineAndColumn(string yaml, string message)
    {
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse(yaml, "/cfg/x.yaml"));

        Assert.StartsWith(message, error.Message);
    }
}
