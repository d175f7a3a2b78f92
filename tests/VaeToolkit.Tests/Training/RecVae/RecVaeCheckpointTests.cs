using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;
using VaeToolkit.Training.Models.RecVae;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training.RecVae;

/// <summary>
/// RecVAE's checkpoints: a run interrupted and resumed is, on the CPU, exactly the uninterrupted run (history,
/// best epoch, weights, the prior's old encoder), its folder holds last.ckpt and the best epoch's weights only,
/// and a resumption with other settings is refused before anything is loaded.
/// </summary>
public sealed class RecVaeCheckpointTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static VaeConfig Config(int epochs, int validationStep = 2, string recvae = "") => ModelRegistry.ConfigLoader.Parse($$"""
        seed: 5
        data:
          dataset: synthetic
          positive_threshold: null
        model: { type: recvae, encoder_dims: [32, 8], dropout: 0.5{{recvae}} }
        training: { epochs: {{epochs}}, batch_size: 64, learning_rate: 0.003, validation_step: {{validationStep}}, checkpoint_step: 1, threads: 1 }
        """, "/configs/recvae.yaml");

    [Fact]
    public void CancelledAfterAnEpoch_ThenResumed_IsTheUninterruptedRun()
    {
        var data = TinyDatasets.Grouped();
        var config = Config(epochs: 6);
        string whole = _scratch.Combine("whole"), split = _scratch.Combine("split");

        using var uninterrupted = new RecVaeTrainer(config, data.ItemCount);
        var expected = uninterrupted.Fit(data, whole, false, null, TestContext.Current.CancellationToken);

        using (var cancelled = new CancellationTokenSource())
        using (var first = new RecVaeTrainer(config, data.ItemCount))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => first.Fit(data, split, false, new SyncProgress(report =>
            {
                if (report.EpochCompleted?.Epoch == 3) cancelled.Cancel(); // its checkpoint is still written
            }), cancelled.Token));
        }
        Assert.Equal(3, Checkpoint.ReadState(Path.Combine(split, Checkpoint.LastName)).Epoch);

        using var resumed = new RecVaeTrainer(config, data.ItemCount);
        var actual = resumed.Fit(data, split, true, null, TestContext.Current.CancellationToken);

        Assert.True(actual.Resumed);
        Assert.False(expected.Resumed);
        AssertSameRun(expected, actual);
        AssertSameWeights(uninterrupted.Network, resumed.Network);
        AssertSameWeights(uninterrupted.Prior, resumed.Prior);
        AssertSameCheckpoints(whole, split, config, data.ItemCount);
        AssertHoldsLastAndBest(split, actual.BestEpoch);
        AssertHoldsLastAndBest(whole, expected.BestEpoch);
    }

    [Fact]
    public void TrainedForSomeEpochs_ThenResumedToMore_IsTheLongerRun()
    {
        var data = TinyDatasets.Grouped();
        string whole = _scratch.Combine("whole"), split = _scratch.Combine("split");

        using var uninterrupted = new RecVaeTrainer(Config(epochs: 6, validationStep: 3), data.ItemCount);
        var expected = uninterrupted.Fit(data, whole, false, null, TestContext.Current.CancellationToken);

        using (var first = new RecVaeTrainer(Config(epochs: 3, validationStep: 3), data.ItemCount))
        {
            var part = first.Fit(data, split, false, null, TestContext.Current.CancellationToken);
            Assert.Equal([1, 2, 3], part.History.Select(r => r.Epoch));
            AssertHoldsLastAndBest(split, part.BestEpoch);
        }
        using var resumed = new RecVaeTrainer(Config(epochs: 6, validationStep: 3), data.ItemCount);
        var actual = resumed.Fit(data, split, true, null, TestContext.Current.CancellationToken);

        AssertSameRun(expected, actual);
        AssertSameWeights(uninterrupted.Network, resumed.Network);
        AssertHoldsLastAndBest(split, actual.BestEpoch);
        Assert.Equal(actual.BestValidationNdcg, resumed.Validate(data.Validation), 6);

        // Resumed once more, past its last epoch: nothing to train, the best weights come from their file.
        using var again = new RecVaeTrainer(Config(epochs: 6, validationStep: 3), data.ItemCount);
        var none = again.Fit(data, split, true, null, TestContext.Current.CancellationToken);
        AssertSameRun(expected, none);
        AssertSameWeights(uninterrupted.Network, again.Network);
    }

    [Fact]
    public void Resume_RefusesACheckpointOfOtherSettings_BeforeLoadingIt()
    {
        var data = TinyDatasets.Grouped();
        string folder = _scratch.Combine("run");
        using (var trainer = new RecVaeTrainer(Config(epochs: 1), data.ItemCount))
            trainer.Fit(data, folder, false, null, TestContext.Current.CancellationToken);
        byte[] before = File.ReadAllBytes(Path.Combine(folder, Checkpoint.LastName));

        using var other = new RecVaeTrainer(Config(epochs: 2, recvae: ", recvae: { gamma: 0.01 }"), data.ItemCount);
        var error = Assert.Throws<ResumeMismatchException>(() => other.Fit(data, folder, true, null, TestContext.Current.CancellationToken));
        Assert.Contains("other settings (", error.Message);
        Assert.Contains("gamma", error.Message);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(folder, Checkpoint.LastName)));

        // A Mult-VAE run cannot resume it either (nor the other way round): model.type is a setting.
        var multVae = Config(epochs: 2) with { Model = Config(epochs: 2).Model with { Type = ModelTypes.Vae } };
        using var vae = new Trainer(multVae, data.ItemCount);
        Assert.Throws<ResumeMismatchException>(() => vae.Fit(data, folder, true, null, TestContext.Current.CancellationToken));
    }

    private static void AssertSameRun(TrainingOutcome expected, TrainingOutcome actual)
    {
        Assert.Equal(expected.History.Select(r => r.Epoch), actual.History.Select(r => r.Epoch));
        Assert.Equal(expected.History.Select(r => r.Loss), actual.History.Select(r => r.Loss));
        Assert.Equal(expected.History.Select(r => r.KlWeight), actual.History.Select(r => r.KlWeight));
        Assert.Equal(expected.History.Select(r => r.ValidationNdcgAt100), actual.History.Select(r => r.ValidationNdcgAt100));
        Assert.Equal(expected.BestEpoch, actual.BestEpoch);
        Assert.Equal(expected.BestValidationNdcg, actual.BestValidationNdcg);
    }

    private static void AssertSameWeights(nn.Module expected, nn.Module actual)
    {
        var other = actual.state_dict();
        foreach (var (name, value) in expected.state_dict())
            Assert.True(value.to(CPU).eq(other[name].to(CPU)).all().item<bool>(), $"{name} differs");
    }

    /// <summary>The last checkpoints' network and old encoder (the weights of the last epoch, not the best) are the same.</summary>
    private static void AssertSameCheckpoints(string expectedFolder, string actualFolder, VaeConfig config, int items)
    {
        using var expected = new RecVaeTrainer(config, items);
        using var actual = new RecVaeTrainer(config, items);
        var a = Checkpoint.Load(Path.Combine(expectedFolder, Checkpoint.LastName), [expected.Network, expected.Prior], []);
        var b = Checkpoint.Load(Path.Combine(actualFolder, Checkpoint.LastName), [actual.Network, actual.Prior], []);
        Assert.Equal((a.Epoch, a.Step, a.BestEpoch, a.BestNdcg), (b.Epoch, b.Step, b.BestEpoch, b.BestNdcg));
        AssertSameWeights(expected.Network, actual.Network);
        AssertSameWeights(expected.Prior, actual.Prior);
    }

    private static void AssertHoldsLastAndBest(string folder, int bestEpoch) =>
        Assert.Equal([Checkpoint.LastName, Checkpoint.BestWeightsName(bestEpoch)],
            Directory.EnumerateFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).Reverse());

    /// <summary>Reports synchronously (<see cref="Progress{T}"/> would post them elsewhere).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
