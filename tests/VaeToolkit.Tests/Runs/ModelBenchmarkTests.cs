using VaeToolkit.Configuration;
using VaeToolkit.Orchestration.Benchmarks;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Runs;

/// <summary>Benchmark mode works through the model contract: every model trained by epochs, none fitted in closed form.</summary>
public sealed class ModelBenchmarkTests
{
    private static VaeConfig Config(string model) => ModelRegistry.ConfigLoader.Parse($$"""
        seed: 3
        data:
          dataset: synthetic
          positive_threshold: null
          heldout_users: 60
          synthetic: { users: 600, items: 200, tastes: 4, mean_items_per_user: 20 }
        model: {{model}}
        training: { epochs: 3, warm_up_epochs: 1, batch_size: 100, threads: 1 }
        """, "/configs/bench.yaml");

    [Fact]
    public void RecVae_IsBenchmarkedLikeMultVae()
    {
        var report = TrainingBenchmark.Run(Config("{ type: recvae, encoder_dims: [32, 8] }"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, report.EpochSeconds.Count);
        Assert.Equal(report.EpochSeconds.Skip(1).Average(), report.MeanEpochSeconds, 9);
        Assert.Equal(480, report.TrainUsers);
        Assert.Equal("libtorch", report.Kernels);
        Assert.True(report.ValidationUsersPerSecond > 0);
    }

    [Fact]
    public void ScoringBenchmark_OfAModelWithoutMultVaesNetwork_IsRefused_NamingItsType()
    {
        using var scratch = new TemporaryDirectory();
        var config = Config("{ type: ease, ease: { lambda: 50 } }");
        var run = VaeToolkit.Orchestration.Runs.TrainingJob.Run(new(config, scratch.Combine("run")), cancellationToken: TestContext.Current.CancellationToken);
        var error = Assert.Throws<NotSupportedException>(() => ScoringBenchmark.Run(run.ModelPath, users: 10, top: 5, batchSize: 5, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("'ease' model", error.Message);
    }

    [Fact]
    public void Ease_IsRefused_SayingItHasNoEpochs()
    {
        var error = Assert.Throws<ArgumentException>(() => TrainingBenchmark.Run(Config("{ type: ease }"), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("closed form", error.Message);
    }
}
