using VaeToolkit.Configuration;
using VaeToolkit.Training;
using VaeToolkit.Training.Kernels;
using VaeToolkit.Training.Model;
using VaeToolkit.Training.Models;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training;

public sealed class MixedPrecisionTests
{
    private static VaeConfig Config(string precision) => ModelRegistry.ConfigLoader.Defaults with
    {
        Seed = 11,
        Precision = precision,
        Model = new ModelConfig { EncoderDims = [32, 8] },
        Training = new TrainingConfig { Epochs = 15, BatchSize = 64, LearningRate = 0.01, TotalAnnealSteps = 20, Lam = 0.0001, Threads = 1 },
    };

    [Theory]
    [InlineData("bf16")]
    [InlineData("fp16")]
    public void HalfPrecision_LearnsAsWellAsFp32(string precision)
    {
        var data = TinyDatasets.Grouped();
        double Best(string p)
        {
            using var trainer = new Trainer(Config(p), data.ItemCount);
            return trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken).BestValidationNdcg;
        }
        double full = Best("fp32");
        double half = Best(precision);
        Assert.InRange(half, full - 0.03, full + 0.03);
    }

    [Fact]
    public void MasterWeightsStayFp32_AndLogitsComeBackFp32()
    {
        using var trainer = new Trainer(Config("bf16"), 30);
        Assert.All(trainer.Model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        using var batch = HistoryBatch.Create(VaeToolkit.Data.CsrMatrix.FromRows([[1, 2], [3]], 30), [0, 1], CPU);
        using var logits = trainer.Model.call(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);
        Assert.Equal(ScalarType.Float32, logits.dtype);
    }

    [Fact]
    public void LossScaler_SkipsTheStepAndBacksOff_OnAnInfGradient()
    {
        using var model = new MultVae(10, new ModelConfig { EncoderDims = [4] });
        using var optimizer = optim.Adam(model.parameters(), 0.1);
        using var adam = new DeviceAdam(optimizer, CpuAdam.Step);
        using var scaler = new DynamicLossScaler(CPU, initialScale: 1024, growthInterval: 3);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();

        foreach (var p in model.parameters()) p.grad = ones_like(p);
        model.parameters().First(p => p.dim() == 2).grad![0, 0] = float.PositiveInfinity; // the injected overflow
        using (var overflow = scaler.UnscaleAndUpdate(model.parameters()))
        {
            Assert.Equal(1f, overflow.item<float>());
            adam.Step(overflow);
        }

        Assert.Equal(new LossScalerState(512, 0, 1), scaler.State);
        Assert.All(model.parameters().Zip(before), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>()));
        adam.WriteStepCount();
        Assert.All(optimizer.state_dict().State.Cast<TorchSharp.Modules.Adam.State>(), state => Assert.Equal(0, state.step));
    }

    [Fact]
    public void LossScaler_UnscalesFiniteGradients_AndGrowsAfterTheInterval()
    {
        using var model = new MultVae(10, new ModelConfig { EncoderDims = [4] });
        using var scaler = new DynamicLossScaler(CPU, initialScale: 8, growthInterval: 2);
        foreach (var p in model.parameters()) p.grad = full_like(p, 8.0);

        using (var overflow = scaler.UnscaleAndUpdate(model.parameters()))
            Assert.Equal(0f, overflow.item<float>());
        Assert.All(model.parameters(), p => Assert.True(p.grad!.eq(1).all().item<bool>()));
        Assert.Equal(new LossScalerState(8, 1, 0), scaler.State);

        scaler.UnscaleAndUpdate(model.parameters()).Dispose();
        Assert.Equal(new LossScalerState(16, 0, 0), scaler.State); // two good steps in a row

        model.parameters().First().grad![0] = float.NaN;
        scaler.UnscaleAndUpdate(model.parameters()).Dispose();
        Assert.Equal(new LossScalerState(8, 0, 1), scaler.State); // NaN overflows too
    }

    [Fact]
    public void Fp16Training_FromAScaleThatOverflows_SkipsStepsAndBacksOff_AndStillLearns()
    {
        var data = TinyDatasets.Grouped();
        using var trainer = new Trainer(Config("fp16"), data.ItemCount);
        trainer.RestoreLossScalers(new LossScalerState(Math.Pow(2, 40), 0, 0)); // fp16 tops out at 65504
        var outcome = trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);

        long skipped = outcome.History[^1].SkippedSteps!.Value;
        Assert.InRange(skipped, 10, 40);
        Assert.All(outcome.History, epoch => Assert.Equal(Math.Pow(2, 40) * Math.Pow(0.5, epoch.SkippedSteps!.Value), epoch.LossScale));
        using var fp32 = new Trainer(Config("fp32"), data.ItemCount);
        double full = fp32.Fit(data, null, false, null, TestContext.Current.CancellationToken).BestValidationNdcg;
        Assert.InRange(outcome.BestValidationNdcg, full - 0.03, full + 0.03);
    }
}
