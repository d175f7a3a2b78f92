using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Orchestration.Benchmarks;
using VaeToolkit.Runs;
using VaeToolkit.Tests.Inference;
using VaeToolkit.Training.Export;
using VaeToolkit.Training.Scoring;

namespace VaeToolkit.Tests.Scoring;

public sealed class ScoringBenchmarkTests
{
    [Fact]
    public void ExportedWeights_ReadBackWhatWasExported()
    {
        using var model = TestModel.Create();
        var read = ExportedWeights.Read(model.PathOf(ModelFiles.Recommender));

        Assert.Equal(("vae", TestModel.Items), (read.ModelType, read.ItemCount));
        Assert.Equal(model.Weights.Encoder[0].Weight, read.Encoder[0].Weight);
        Assert.Equal(model.Weights.Decoder.Select(l => l.Weight), read.Decoder.Select(l => l.Weight));
        // The graph keeps the mean half of the VAE's last encoder layer only.
        Assert.Equal(model.Weights.LatentDim, read.Encoder[^1].Outputs);
        Assert.Equal(model.Weights.Encoder[^1].Bias[..model.Weights.LatentDim], read.Encoder[^1].Bias);
    }

    [Theory]
    [InlineData(LibtorchScorer.ItemLayer.Dense)]
    [InlineData(LibtorchScorer.ItemLayer.Sparse)]
    internal void LibtorchBaselines_ScoreAsTheOnnxEngine(LibtorchScorer.ItemLayer itemLayer)
    {
        using var model = TestModel.Create();
        var histories = CsrMatrix.FromRows(model.UserHistories, TestModel.Items);
        using var engine = OnnxRecommender.Open(model.ModelDirectory);
        using var baseline = new LibtorchScorer(ExportedWeights.Read(model.PathOf(ModelFiles.Recommender)));

        var expected = engine.Recommend(histories, 10);
        var (items, scores) = baseline.Recommend(histories, 10, itemLayer);
        for (int u = 0; u < histories.RowCount; u++)
        {
            Assert.Equal(expected.Items(u).ToArray().Select(i => (long)i), items.AsSpan(u * 10, 10).ToArray());
            for (int j = 0; j < 10; j++) Assert.Equal(expected.Scores(u)[j], scores[u * 10 + j], 1e-4);
        }
    }

    [Fact]
    public void Benchmark_ReportsEveryEngineOnTheSameUsers()
    {
        using var model = TestModel.Create();
        var report = ScoringBenchmark.Run(model.ModelDirectory, users: 25, top: 5, batchSize: 7, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal((25, 5, 7, TestModel.Items), (report.Users, report.Top, report.BatchSize, report.Items));
        Assert.Equal(25 / report.EngineSeconds, report.EngineUsersPerSecond, 6);
        Assert.Equal(25 / report.BaselineSeconds, report.BaselineUsersPerSecond, 6);
        Assert.Equal(report.EngineUsersPerSecond / report.BaselineUsersPerSecond, report.EngineToBaseline, 6);
        Assert.Equal(25 / report.ValidationPathSeconds, report.ValidationPathUsersPerSecond, 6);
        Assert.Equal(report.EngineUsersPerSecond / report.ValidationPathUsersPerSecond, report.EngineToValidationPath, 6);
        Assert.Equal(1.0, report.TopKAgreement);
    }

    [Fact]
    public void Benchmark_WithIoBinding_TimesTheEngineBothWaysOnTheSameUsers()
    {
        using var model = TestModel.Create();
        var plain = ScoringBenchmark.Run(model.ModelDirectory, users: 25, top: 5, batchSize: 7, cancellationToken: TestContext.Current.CancellationToken);
        var report = ScoringBenchmark.Run(model.ModelDirectory, users: 25, top: 5, batchSize: 7, cancellationToken: TestContext.Current.CancellationToken, ioBinding: true);

        Assert.Null(plain.IoBindingSeconds);
        Assert.Null(plain.IoBindingToEngine);
        Assert.True(report.IoBindingSeconds > 0);
        Assert.Equal(25 / report.IoBindingSeconds!.Value, report.IoBindingUsersPerSecond!.Value, 6);
        Assert.Equal(report.IoBindingUsersPerSecond!.Value / report.EngineUsersPerSecond, report.IoBindingToEngine!.Value, 6);
        Assert.Equal(1.0, report.TopKAgreement);
    }

    [Fact]
    public void Benchmark_WithoutABatchSize_TakesTheCpuDefault()
    {
        using var model = TestModel.Create();
        var report = ScoringBenchmark.Run(model.ModelDirectory, users: 30, top: 5, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(("cpu", ScoringBenchmark.CpuBatchSize), (report.Device, report.BatchSize));
        Assert.Equal(1.0, report.TopKAgreement);
    }

    [Fact]
    public void Benchmark_OnCuda_ScoresThereOrSaysWhyItCannot()
    {
        using var model = TestModel.Create();
        ScoringBenchmarkReport report;
        try
        {
            report = ScoringBenchmark.Run(model.ModelDirectory, users: 30, top: 5, device: "cuda", cancellationToken: TestContext.Current.CancellationToken);
        }
        catch (ExecutionProviderException e)
        {
            // The CPU build of ONNX Runtime (the default) lands here, before anything is scored.
            Assert.Equal("cuda", e.Device);
            return;
        }
        // On a GPU with ONNX Runtime's CUDA build: the same top-k as libtorch on the device, in a GPU-sized batch.
        Assert.Equal(("cuda", ScoringBatchSize.For("cuda", TestModel.Items, ScoringBenchmark.CpuBatchSize)), (report.Device, report.BatchSize));
        Assert.Equal(1.0, report.TopKAgreement);
    }

    [Fact]
    internal void LibtorchBaseline_OnAGivenDevice_ScoresAsOnTheDefault()
    {
        using var model = TestModel.Create();
        var histories = CsrMatrix.FromRows(model.UserHistories, TestModel.Items);
        var weights = ExportedWeights.Read(model.PathOf(ModelFiles.Recommender));
        using var onDefault = new LibtorchScorer(weights);
        using var onCpu = new LibtorchScorer(weights, TorchSharp.torch.CPU);

        foreach (var layer in new[] { LibtorchScorer.ItemLayer.Dense, LibtorchScorer.ItemLayer.Sparse })
            Assert.Equal(onDefault.Recommend(histories, 10, layer).Items, onCpu.Recommend(histories, 10, layer).Items);
    }
}
