using VaeToolkit.Configuration;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Training;

public sealed class TrainerTests
{
    private static VaeConfig Config(int epochs = 6, string type = "vae") => ModelRegistry.ConfigLoader.Defaults with
    {
        Seed = 11,
        Model = new ModelConfig { Type = type, EncoderDims = [32, 8] },
        Training = new TrainingConfig { Epochs = epochs, BatchSize = 64, LearningRate = 0.01, TotalAnnealSteps = 20, Lam = 0.0001, Threads = 1 },
        Evaluation = new EvaluationConfig { BatchSize = 16 },
    };

    [Theory]
    [InlineData("vae")]
    [InlineData("dae")]
    public void Training_LearnsGroupStructure(string type)
    {
        var data = TinyDatasets.Grouped();
        using var trainer = new Trainer(Config(epochs: 15, type: type), data.ItemCount);
        double untrained = trainer.Validate(data.Validation);
        var outcome = trainer.Fit(data, checkpointFolder: null, resume: false, progress: null, CancellationToken.None);

        Assert.True(outcome.BestValidationNdcg > untrained + 0.15, $"NDCG {untrained:F3} -> {outcome.BestValidationNdcg:F3}");
        Assert.True(outcome.History[^1].Loss < outcome.History[0].Loss);
        // The model hands back the best epoch's weights.
        Assert.Equal(outcome.BestValidationNdcg, trainer.Validate(data.Validation), 6);
    }

    [Fact]
    public void AdamBetas_FromTheConfig_ChangeTheSteps()
    {
        var data = TinyDatasets.Grouped();
        float[] Weights(VaeConfig config)
        {
            using var trainer = new Trainer(config, data.ItemCount);
            trainer.Fit(data, checkpointFolder: null, resume: false, progress: null, CancellationToken.None);
            return trainer.Model.ToWeights().Decoder[^1].Weight;
        }
        var reference = Config(epochs: 1);
        Assert.Equal(Weights(reference), Weights(reference with { Training = reference.Training with { Beta1 = 0.9, Beta2 = 0.999 } }));
        Assert.NotEqual(Weights(reference), Weights(reference with { Training = reference.Training with { Beta2 = 0.9 } }));
    }

    [Fact]
    public void SameSeed_GivesTheSameRunTwice()
    {
        var data = TinyDatasets.Grouped();
        double[] Run()
        {
            using var trainer = new Trainer(Config(epochs: 3), data.ItemCount);
            return trainer.Fit(data, null, false, null, CancellationToken.None).History
                .SelectMany(e => new[] { e.Loss, e.ValidationNdcgAt100 ?? -1 }).ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("fp16")] // from a loss scale that overflows: the scaler's state and the Adam step count must resume too
    public void Resume_ContinuesExactlyWhereTheInterruptedRunStopped(string precision)
    {
        var data = TinyDatasets.Grouped();
        var config = Config(epochs: 4) with { Precision = precision };
        Trainer NewTrainer(bool fromCheckpoint = false)
        {
            var trainer = new Trainer(config, data.ItemCount);
            if (!fromCheckpoint) trainer.RestoreLossScalers(new LossScalerState(Math.Pow(2, 20), 0, 0));
            return trainer;
        }
        string folder = Path.Combine(Path.GetTempPath(), "vae-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            EpochRecord[] straight;
            using (var trainer = NewTrainer())
                straight = trainer.Fit(data, null, false, null, CancellationToken.None).History.ToArray();

            // Interrupt during epoch 3: the checkpoint of epoch 2 stays.
            using var cancel = new CancellationTokenSource();
            var progress = new SynchronousProgress<TrainingProgress>(p => { if (p.Epoch == 3 && p.Batch == 2) cancel.Cancel(); });
            using (var trainer = NewTrainer())
                Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(data, folder, false, progress, cancel.Token));
            Assert.True(File.Exists(Path.Combine(folder, Trainer.LastCheckpointName)));

            TrainingOutcome resumed;
            using (var trainer = NewTrainer(fromCheckpoint: true))
                resumed = trainer.Fit(data, folder, true, null, CancellationToken.None);
            Assert.True(resumed.Resumed);
            Assert.Equal(straight.Select(e => (e.Loss, e.ValidationNdcgAt100, e.LossScale)), resumed.History.Select(e => (e.Loss, e.ValidationNdcgAt100, e.LossScale)));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Resume_RefusesACheckpointOfOtherSettings()
    {
        var data = TinyDatasets.Grouped();
        string folder = Path.Combine(Path.GetTempPath(), "vae-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var trainer = new Trainer(Config(epochs: 1), data.ItemCount))
                trainer.Fit(data, folder, false, null, CancellationToken.None);
            var other = Config(epochs: 2) with { Training = Config(epochs: 2).Training with { LearningRate = 0.5 } };
            using var again = new Trainer(other, data.ItemCount);
            var error = Assert.Throws<ResumeMismatchException>(() => again.Fit(data, folder, true, null, CancellationToken.None));
            Assert.Contains("other settings (training.learning_rate: ", error.Message);
            Assert.Contains(" -> 0.5)", error.Message);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
