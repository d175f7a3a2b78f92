using VaeToolkit.Configuration;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training;

/// <summary>N in-process replicas on the CPU do the same maths as one replica with the whole batch.</summary>
public sealed class DataParallelTests
{
    private static VaeConfig Config(int gpus, int epochs, string type = "dae", double dropout = 0) => ModelRegistry.ConfigLoader.Defaults with
    {
        Seed = 17,
        Gpus = gpus,
        Model = new ModelConfig { Type = type, EncoderDims = [24, 8], Dropout = dropout },
        Training = new TrainingConfig { Epochs = epochs, BatchSize = 70, LearningRate = 0.01, Lam = 0.001, Threads = 1 },
    };

    private static float[] Parameters(Trainer trainer, int replica = 0) =>
        [.. trainer.Replicas[replica].parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray())];

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ThreeReplicas_MatchOneReplicaWithTheWholeBatch(int epochs)
    {
        // A DAE without dropout draws no random numbers, so the runs see identical batches.
        var data = TinyDatasets.Grouped();
        using var single = new Trainer(Config(gpus: 1, epochs), data.ItemCount);
        using var parallel = new Trainer(Config(gpus: 3, epochs), data.ItemCount);
        Assert.Equal(Parameters(single), Parameters(parallel)); // same initialisation

        var one = single.Fit(data, null, false, null, TestContext.Current.CancellationToken);
        var three = parallel.Fit(data, null, false, null, TestContext.Current.CancellationToken);

        float[] expected = Parameters(single);
        float[] actual = Parameters(parallel);
        for (int i = 0; i < expected.Length; i++)
            Assert.InRange(actual[i] - expected[i], -2e-5f, 2e-5f);
        Assert.Equal(one.History.Select(e => e.Loss), three.History.Select(e => e.Loss), (a, b) => Math.Abs(a - b) < 1e-3);
    }

    [Fact]
    public void BatchesSplitIntoPasses_GiveTheSameUpdates()
    {
        var data = TinyDatasets.Grouped();
        var whole = Config(gpus: 1, epochs: 2);
        var split = whole with { Training = whole.Training with { MaxUsersPerPass = 16 } };
        using var one = new Trainer(whole, data.ItemCount);
        using var passes = new Trainer(split, data.ItemCount);
        Assert.Equal(16, passes.MaxUsersPerPass);
        one.Fit(data, null, false, null, TestContext.Current.CancellationToken);
        passes.Fit(data, null, false, null, TestContext.Current.CancellationToken);

        float[] expected = Parameters(one);
        float[] actual = Parameters(passes);
        for (int i = 0; i < expected.Length; i++)
            Assert.InRange(actual[i] - expected[i], -2e-5f, 2e-5f);
    }

    [Fact]
    public void MemoryPlanner_FitsAPinterestSizedCatalogueOnAn80GBGpu()
    {
        // 2,565,241 items with [600, 200]: the item layer and the decoder's last layer dominate.
        const int items = 2_565_241;
        long dense = 600L * items + items + 600 * 400 + 400 + 200 * 600 + 600;
        long parameters = dense + 600L * items + 600;
        long free = 80L * 1024 * 1024 * 1024 - 4 * parameters; // the weights are already on the device
        int users = MemoryPlanner.MaxUsersPerPass(free, items, parameters, dense, ScalarType.BFloat16);
        Assert.InRange(users, 100, 1000);
        // Each pass's logits, gradients and workspace stay within the usable share of what is left after
        // the gradients, Adam's moments, a transient gradient and the half-precision copies.
        Assert.True((long)users * items * 16 <= MemoryPlanner.UsableShare * (free - 16 * parameters - 8 * dense));
        Assert.True(MemoryPlanner.MaxUsersPerPass(free, items, parameters, dense, ScalarType.Float32) > users); // no half copies
        Assert.Throws<InvalidOperationException>(() => MemoryPlanner.MaxUsersPerPass(8L << 30, items, parameters, dense, ScalarType.Float32));
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("fp16")] // from a loss scale that overflows: each replica's scaler skips the same steps
    public void Replicas_StayIdentical_WithDropoutAndSampling(string precision)
    {
        var data = TinyDatasets.Grouped();
        using var trainer = new Trainer(Config(gpus: 2, epochs: 2, type: "vae", dropout: 0.5) with { Precision = precision }, data.ItemCount);
        trainer.RestoreLossScalers(new LossScalerState(Math.Pow(2, 20), 0, 0));
        trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);
        Assert.Equal(Parameters(trainer, 0), Parameters(trainer, 1));
        if (precision != "fp16") return;
        var (first, second) = (trainer.LossScalers[0].State, trainer.LossScalers[1].State);
        Assert.True(first.SkippedSteps > 0, "no step overflowed");
        Assert.Equal(first, second);
    }

    [Fact]
    public void MoreGpusThanPresent_IsAClearError()
    {
        if (cuda.is_available()) Assert.Skip("this host has CUDA devices");
        var error = Assert.Throws<DeviceUnavailableException>(() => new Trainer(Config(gpus: 2, epochs: 1) with { Device = "cuda" }, 10));
        Assert.Contains("CUDA is not available", error.Message);
    }
}
