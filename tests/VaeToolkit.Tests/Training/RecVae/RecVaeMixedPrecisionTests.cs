using VaeToolkit.Configuration;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;
using VaeToolkit.Training.Models.RecVae;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training.RecVae;

/// <summary>RecVAE in fp16 (dense products in float16, the loss scaled by a <see cref="DynamicLossScaler"/>), as MixedPrecisionTests for Mult-VAE.</summary>
public sealed class RecVaeMixedPrecisionTests
{
    private static VaeConfig Config(string precision, int epochs = 10) => ModelRegistry.ConfigLoader.Defaults with
    {
        Seed = 11,
        Precision = precision,
        Model = new ModelConfig { Type = ModelTypes.RecVae, EncoderDims = [32, 8], Dropout = 0.5 },
        Training = new TrainingConfig { Epochs = epochs, BatchSize = 64, LearningRate = 0.003, ValidationStep = 2, Threads = 1 },
    };

    private static TrainingOutcome Fit(RecVaeTrainer trainer, VaeToolkit.Data.PreparedDataset data) =>
        trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);

    [Fact]
    public void Fp16_LearnsAsWellAsFp32_WithMasterWeightsInFp32()
    {
        var data = TinyDatasets.Grouped();
        using var full = new RecVaeTrainer(Config(Precisions.Fp32), data.ItemCount);
        using var half = new RecVaeTrainer(Config(Precisions.Fp16), data.ItemCount);
        Assert.Equal(ScalarType.Float16, half.Network.ComputeType);
        Assert.Equal(ScalarType.Float16, half.Prior.OldEncoder.ComputeType);
        Assert.NotNull(half.LossScaler);
        Assert.Null(full.LossScaler);
        Assert.StartsWith(Trainer.WarningPrefix, half.Warning);

        var fp32 = Fit(full, data);
        var fp16 = Fit(half, data);
        Assert.All(half.Network.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.InRange(fp16.BestValidationNdcg, fp32.BestValidationNdcg - 0.03, fp32.BestValidationNdcg + 0.03);
        Assert.All(fp16.History, epoch => Assert.NotNull(epoch.LossScale));
        Assert.All(fp32.History, epoch => Assert.Null(epoch.LossScale));
        Assert.Equal(fp32.History.Select(e => e.Loss), fp16.History.Select(e => e.Loss), (a, b) => Math.Abs(a - b) < 0.05 * Math.Abs(a));
    }

    [Fact]
    public void Fp16_FromAScaleThatOverflows_SkipsStepsAndBacksOff_AndStillLearns()
    {
        var data = TinyDatasets.Grouped();
        // The skipped steps are early ones; 20 epochs (320 steps) leave time to catch up.
        using var trainer = new RecVaeTrainer(Config(Precisions.Fp16, epochs: 20), data.ItemCount);
        trainer.RestoreLossScalers(new LossScalerState(Math.Pow(2, 40), 0, 0)); // fp16 tops out at 65504
        var outcome = Fit(trainer, data);

        long skipped = outcome.History[^1].SkippedSteps!.Value;
        Assert.InRange(skipped, 10, 40);
        Assert.All(outcome.History, epoch => Assert.Equal(Math.Pow(2, 40) * Math.Pow(0.5, epoch.SkippedSteps!.Value), epoch.LossScale));
        using var fp32 = new RecVaeTrainer(Config(Precisions.Fp32, epochs: 20), data.ItemCount);
        double full = Fit(fp32, data).BestValidationNdcg;
        // About 25 skipped steps are the first epoch and a half of encoder and decoder updates: the run lags a little.
        Assert.InRange(outcome.BestValidationNdcg, full - 0.05, full + 0.05);
    }

    [Fact]
    public void Fp16_AnOverflowingStep_ChangesNothing()
    {
        // One encoder pass of one batch at a scale fp16 cannot hold: the step is skipped, the weights and
        // Adam's count stay, the scale halves.
        var data = TinyDatasets.Grouped();
        using var trainer = new RecVaeTrainer(Config(Precisions.Fp16) with { Training = Config(Precisions.Fp16).Training with { Epochs = 0 } }, data.ItemCount);
        trainer.RestoreLossScalers(new LossScalerState(Math.Pow(2, 40), 0, 0));
        var step = (RecVaeStep)typeof(RecVaeTrainer).GetField("_step", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(trainer)!;
        var before = trainer.Network.parameters().Select(p => p.detach().clone()).ToList();
        var batch = RecVaeStep.ShuffledBatches(data.Train, 64, new Random(1)).Take(1);
        step.RunEncoderPass(batch);
        Assert.Equal(new LossScalerState(Math.Pow(2, 39), 0, 1), trainer.LossScaler!.State);
        Assert.All(trainer.Network.parameters().Zip(before), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>()));
        step.WriteStepCounts();
        Assert.All(step.EncoderOptimizer.state_dict().State.Cast<TorchSharp.Modules.Adam.State>(), state => Assert.Equal(0, state.step));
    }
}
