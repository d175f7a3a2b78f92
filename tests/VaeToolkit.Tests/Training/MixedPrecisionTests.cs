using VaeToolkit.Configuration;
using VaeToolkit.Training;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training;

public sealed class MixedPrecisionTests
{
    private static VaeConfig Config(string precision) => ConfigLoader.Defaults with
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
        var scaler = new DynamicLossScaler(initialScale: 1024, growthInterval: 3);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();

        foreach (var p in model.parameters()) p.grad = ones_like(p);
        model.parameters().First(p => p.dim() == 2).grad![0, 0] = float.PositiveInfinity; // the injected overflow
        bool finite = scaler.UnscaleAndUpdate(model.parameters());
        if (finite) optimizer.step();

        Assert.False(finite);
        Assert.Equal(512, scaler.Scale);
        Assert.Equal(1, scaler.SkippedSteps);
        Assert.All(model.parameters().Zip(before), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>()));
    }

    [Fact]
    public void LossScaler_UnscalesFiniteGradients_AndGrowsAfterTheInterval()
    {
        using var model = new MultVae(10, new ModelConfig { EncoderDims = [4] });
        var scaler = new DynamicLossScaler(initialScale: 8, growthInterval: 2);
        foreach (var p in model.parameters()) p.grad = full_like(p, 8.0);

        Assert.True(scaler.UnscaleAndUpdate(model.parameters()));
        Assert.All(model.parameters(), p => Assert.True(p.grad!.eq(1).all().item<bool>()));
        Assert.Equal(8, scaler.Scale);

        Assert.True(scaler.UnscaleAndUpdate(model.parameters()));
        Assert.Equal(16, scaler.Scale); // two good steps in a row
    }
}
