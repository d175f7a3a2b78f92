using VaeToolkit.Configuration;
using VaeToolkit.Inference;
using VaeToolkit.Metrics;
using VaeToolkit.Runs;

namespace VaeToolkit.Tests.Inference;

public sealed class RunMetricsTests
{
    [Fact]
    public void Of_ReadsTheRunsConfigForItsModelFolder()
    {
        using var run = new TemporaryDirectory();
        string model = run.Combine(RunFiles.ModelFolder);
        Directory.CreateDirectory(model);
        File.WriteAllText(run.Combine(RunFiles.Config), "evaluation:\n  metrics: [map@10, coverage@100]\n");

        Assert.Equal(["map@10", "coverage@100"], RunMetrics.Of(model).Select(m => m.Name));
        Assert.Equal(["map@10", "coverage@100"], RunMetrics.Of(model + Path.DirectorySeparatorChar).Select(m => m.Name));
    }

    [Fact]
    public void Of_ReadsOnlyTheEvaluationSection_SoARunOfAnyModelTypeIsRead()
    {
        // A scoring or serving process has no model registry: the run's model type and section are not its business.
        using var run = new TemporaryDirectory();
        string model = run.Combine(RunFiles.ModelFolder);
        Directory.CreateDirectory(model);
        File.WriteAllText(run.Combine(RunFiles.Config), "model:\n  type: slim\n  slim: { l1: 0.5 }\nevaluation:\n  metrics: [hit_rate@5]\n");

        Assert.Equal(["hit_rate@5"], RunMetrics.Of(model).Select(m => m.Name));
    }

    [Fact]
    public void Of_IsTheDefaultsOutsideARunAndAnErrorForABadConfig()
    {
        using var run = new TemporaryDirectory();
        string model = run.Combine(RunFiles.ModelFolder);
        Directory.CreateDirectory(model);
        // No config beside it, or a model folder of another name (a promoted copy): the defaults.
        Assert.Same(RankingMetric.Defaults, RunMetrics.Of(model));
        File.WriteAllText(run.Combine(RunFiles.Config), "evaluation:\n  metrics: [map@10]\n");
        string copy = run.Combine("current");
        Directory.CreateDirectory(copy);
        Assert.Same(RankingMetric.Defaults, RunMetrics.Of(copy));

        File.WriteAllText(run.Combine(RunFiles.Config), "evaluation:\n  metrics: [maps@10]\n");
        var error = Assert.Throws<ConfigException>(() => RunMetrics.Of(model));
        Assert.StartsWith("config.yaml(2,13): error VAE0104: 'evaluation.metrics': unknown metric 'maps@10'", error.Message);
    }
}
