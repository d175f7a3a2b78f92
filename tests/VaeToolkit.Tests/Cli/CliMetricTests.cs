using System.Text.Json;
using VaeToolkit.Tests.Inference;

namespace VaeToolkit.Tests.Cli;

/// <summary><c>vaetoolkit test --metric</c>: the selected metrics in the JSON report, bad names a usage error.</summary>
public sealed class CliMetricTests
{
    [Fact]
    public void Test_WithMetrics_ReportsThemInOrder_RepeatedOrCommaSeparated()
    {
        using var model = TestModel.Create();

        var (exitCode, output, _) = CliRunner.Run("test", "--model", model.ModelDirectory, "--no-baseline", "--metric", "precision@10,mrr@100", "--metric", "hit_rate@10");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        var metrics = json.RootElement.GetProperty("metrics");
        Assert.Equal(["precision@10", "mrr@100", "hit_rate@10"], metrics.EnumerateObject().Select(p => p.Name));
        // The popularity baseline of the test model (see ModelEvaluatorTests): t0's two targets at ranks 1 and 2, t1's at rank 49.
        var popularity = json.RootElement.GetProperty("popularity_metrics");
        Assert.Equal(0.1, popularity.GetProperty("precision@10").GetDouble(), 1e-12);
        Assert.Equal((1 + 1.0 / 49) / 2, popularity.GetProperty("mrr@100").GetDouble(), 1e-12);
        Assert.Equal(0.5, popularity.GetProperty("hit_rate@10").GetDouble(), 1e-12);
        // The properties of before stay.
        Assert.Equal(0.5, json.RootElement.GetProperty("popularity_recall_at20").GetDouble(), 1e-12);
    }

    [Fact]
    public void Test_NoBaseline_IsAFlagWherever_ItStands()
    {
        using var model = TestModel.Create();

        // It was parsed as an option taking a value: last, it wanted one; before another option, it swallowed it.
        foreach (string[] args in new[] { new[] { "test", "--model", model.ModelDirectory, "--no-baseline" }, ["test", "--no-baseline", "--model", model.ModelDirectory] })
        {
            var (exitCode, output, error) = CliRunner.Run(args);
            Assert.True(exitCode == 0, error);
            using var json = JsonDocument.Parse(output);
            Assert.False(json.RootElement.TryGetProperty("ease_baseline_note", out var note) && note.ValueKind != JsonValueKind.Null);
        }
    }

    [Fact]
    public void Test_WithAnUnknownMetric_IsAUsageErrorListingTheKnownOnes()
    {
        using var model = TestModel.Create();

        var (exitCode, output, error) = CliRunner.Run("test", "--model", model.ModelDirectory, "--metric", "precision@10,recal@20");

        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Contains("--metric: unknown metric 'recal@20': a metric is one of ndcg@k, recall@k, precision@k, mrr@k, map@k, hit_rate@k, coverage@k", error);
    }
}
