using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Training;
using VaeToolkit.Training.Kernels;
using VaeToolkit.Training.Models;
using VaeToolkit.Training.Parallel;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training;

/// <summary>CUDA paths; they skip themselves, with the reason, where no CUDA device is present.</summary>
public sealed class GpuTrainingTests
{
    private static void RequireCuda()
    {
        if (!cuda.is_available()) Assert.Skip("no CUDA device: TorchSharp loaded a CPU build of libtorch or the host has no GPU");
    }

    private static VaeConfig Config(string precision, int gpus = 1) => ModelRegistry.ConfigLoader.Defaults with
    {
        Seed = 11,
        Device = "cuda",
        Gpus = gpus,
        Precision = precision,
        Model = new ModelConfig { EncoderDims = [32, 8] },
        Training = new TrainingConfig { Epochs = 15, BatchSize = 64, LearningRate = 0.01, TotalAnnealSteps = 20, Lam = 0.0001 },
    };

    [Theory]
    [InlineData("fp32")]
    [InlineData("tf32")]
    [InlineData("bf16")]
    [InlineData("fp16")]
    public void CudaTraining_LearnsLikeTheCpu(string precision)
    {
        RequireCuda();
        var data = TinyDatasets.Grouped();
        double Best(VaeConfig config)
        {
            using var trainer = new Trainer(config, data.ItemCount);
            return trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken).BestValidationNdcg;
        }
        double cpu = Best(Config("fp32") with { Device = "cpu" });
        double gpu = Best(Config(precision));
        Assert.InRange(gpu, cpu - 0.03, cpu + 0.03);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the item layer's sums at chunk edges are atomic: equal up to rounding
    public void CudaTraining_TheSeedFixesTheRun(bool fusedKernels)
    {
        RequireCuda();
        var data = TinyDatasets.Grouped();
        float[] Weights(VaeConfig config)
        {
            using var trainer = new Trainer(config, data.ItemCount);
            trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);
            return [.. trainer.Model.parameters().SelectMany(p => p.cpu().data<float>().ToArray())];
        }
        var config = Config("fp32") with { Training = Config("fp32").Training with { Epochs = 3, FusedKernels = fusedKernels } };
        float[] first = Weights(config), again = Weights(config), otherSeed = Weights(config with { Seed = 12 });
        double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(MaxDifference(first, again) < 1e-5, $"same seed differs by {MaxDifference(first, again)}");
        Assert.True(MaxDifference(first, otherSeed) > 1e-3, "another seed gave the same weights");
    }

    [Fact]
    public void CudaRuntime_ReportsTheDeviceNameAndMemory()
    {
        RequireCuda();
        Assert.StartsWith("NVIDIA", CudaRuntime.DeviceName(0));
        var (free, total) = CudaRuntime.MemoryInfo(0) ?? throw new InvalidOperationException("no CUDA runtime library found");
        Assert.InRange(free, 1L << 20, total);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PinterestSizedCatalogue_TrainsOnOneGpu(bool fusedKernels)
    {
        RequireCuda();
        if (CudaRuntime.MemoryInfo(0) is not (_, long total) || total < 75L << 30) Assert.Skip("needs a GPU of 80 GB or more");
        const int items = 2_565_241, users = 46_000, heldout = 200;
        var random = new Random(4);
        int[][] rows = [.. Enumerable.Range(0, users).Select(_ => Enumerable.Range(0, 20).Select(_ => random.Next(items)).ToArray())];
        HeldOutUsers HeldOut(int first) => new(
            [.. Enumerable.Range(first, heldout).Select(u => $"u{u}")],
            CsrMatrix.FromRows([.. rows[first..(first + heldout)].Select(r => r[..16])], items),
            CsrMatrix.FromRows([.. rows[first..(first + heldout)].Select(r => r[16..])], items));
        int trainUsers = users - 2 * heldout;
        var data = new PreparedDataset
        {
            Name = "pinterest-shape",
            ItemIds = [.. Enumerable.Range(0, items).Select(i => $"i{i}")],
            TrainUserIds = [.. Enumerable.Range(0, trainUsers).Select(u => $"u{u}")],
            Train = CsrMatrix.FromRows(rows[..trainUsers], items),
            Validation = HeldOut(trainUsers),
            Test = HeldOut(trainUsers + heldout),
            DataHash = "pinterest-shape",
        };
        var config = ModelRegistry.ConfigLoader.Defaults with
        {
            Device = "cuda",
            Precision = "bf16",
            Model = new ModelConfig { EncoderDims = [600, 200] },
            Training = new TrainingConfig { Epochs = 1, BatchSize = 10000, FusedKernels = fusedKernels },
        };

        using var trainer = new Trainer(config, items);
        var outcome = trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);

        Assert.InRange(trainer.MaxUsersPerPass ?? int.MaxValue, 1, 9999); // the batch had to be split into passes
        Assert.True(double.IsFinite(outcome.History[0].Loss), $"loss {outcome.History[0].Loss}");
        Assert.InRange(outcome.BestValidationNdcg, 0, 1);
    }

    [Theory]
    [InlineData(ScalarType.Float32, 1e-5)]
    [InlineData(ScalarType.BFloat16, 1e-2)]
    [InlineData(ScalarType.Float16, 2e-3)]
    public void CudaKernels_Likelihood_MatchesLogSoftmaxAndGather(ScalarType type, double tolerance)
    {
        RequireCuda();
        FusedKernelParity.AssertLikelihoodMatches(CudaKernels.For(CUDA), CUDA, type, tolerance);
    }

    [Theory]
    [InlineData(40)]
    [InlineData(1100)]
    public void CudaKernels_ItemLayer_MatchesTheEmbeddingBag(int width)
    {
        RequireCuda();
        FusedKernelParity.AssertItemLayerMatches(CudaKernels.For(CUDA), CUDA, width);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void CudaKernels_PassTheSelfTest(ScalarType computeType)
    {
        RequireCuda();
        KernelSelfTest.Run(CudaKernels.For(CUDA), CUDA, computeType);
    }

    [Fact]
    public void CudaKernels_Adam_SkipsFlaggedSteps_AndOtherwiseStepsLikeTorchSharpsAdam()
    {
        RequireCuda();
        FusedKernelParity.AssertAdamMatches(CudaKernels.For(CUDA).AdamStep, CUDA);
    }

    [Fact]
    public void CudaOperatorAdam_SkipsFlaggedSteps_AndOtherwiseStepsLikeTorchSharpsAdam()
    {
        RequireCuda();
        FusedKernelParity.AssertAdamMatches(DeviceAdam.OperatorStep, CUDA);
    }

    [Theory]
    [InlineData("fp32", 1e-4)]
    [InlineData("bf16", 2e-3)]
    public void FusedKernels_TrainLikeLibtorchOperators(string precision, double lossTolerance)
    {
        RequireCuda();
        var data = TinyDatasets.Grouped();
        (string Kernels, TrainingOutcome Outcome) Train(bool fused)
        {
            var config = Config(precision);
            using var trainer = new Trainer(config with { Training = config.Training with { FusedKernels = fused } }, data.ItemCount);
            return (trainer.Kernels, trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken));
        }
        var (fusedKernels, fused) = Train(fused: true);
        var (libtorchKernels, libtorch) = Train(fused: false);
        Assert.StartsWith("fused (NVRTC", fusedKernels);
        Assert.Equal("libtorch", libtorchKernels);
        // The same random draws on the same data: the first epoch's loss differs by rounding only.
        Assert.Equal(libtorch.History[0].Loss, fused.History[0].Loss, lossTolerance * Math.Abs(libtorch.History[0].Loss));
        Assert.InRange(fused.BestValidationNdcg, libtorch.BestValidationNdcg - 0.01, libtorch.BestValidationNdcg + 0.01);
    }

    [Fact]
    public void Nccl_AllReduceWithOneRank_LeavesTheGradientAsItIs()
    {
        RequireCuda();
        using var nccl = new NcclAllReduce([0]);
        using var gradient = arange(10, dtype: ScalarType.Float32, device: CUDA);
        using var expected = gradient.clone();
        nccl.AllReduceSum([[gradient]]);
        Assert.True(gradient.eq(expected).all().item<bool>());
    }

    [Fact]
    public void Nccl_TwoGpus_MatchOneGpu()
    {
        RequireCuda();
        if (cuda.device_count() < 2) Assert.Skip("needs two CUDA devices");
        var data = TinyDatasets.Grouped();
        var dae = Config("fp32") with { Model = new ModelConfig { Type = "dae", EncoderDims = [24, 8], Dropout = 0 }, Training = Config("fp32").Training with { Epochs = 2 } };
        using var one = new Trainer(dae, data.ItemCount);
        using var two = new Trainer(dae with { Gpus = 2 }, data.ItemCount);
        one.Fit(data, null, false, null, TestContext.Current.CancellationToken);
        two.Fit(data, null, false, null, TestContext.Current.CancellationToken);
        var a = one.Model.parameters().SelectMany(p => p.cpu().data<float>().ToArray()).ToArray();
        var b = two.Model.parameters().SelectMany(p => p.cpu().data<float>().ToArray()).ToArray();
        for (int i = 0; i < a.Length; i++) Assert.InRange(b[i] - a[i], -1e-4f, 1e-4f);
    }
}
