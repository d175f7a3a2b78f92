using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Runs;
using VaeToolkit.Training;
using VaeToolkit.Training.Model;
using VaeToolkit.Training.Models;
using VaeToolkit.Training.Models.RecVae;
using VaeToolkit.Orchestration.Runs;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training.RecVae;

public sealed class RecVaeTrainingTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static VaeConfig Config(int epochs = 12, string extra = "") => ModelRegistry.ConfigLoader.Parse($$"""
        seed: 3
        data:
          dataset: synthetic
          positive_threshold: null
          heldout_users: 60
          synthetic: { users: 600, items: 200, tastes: 4, mean_items_per_user: 20 }
        model: { type: recvae, encoder_dims: [48, 12], dropout: 0.5 }
        training: { epochs: {{epochs}}, batch_size: 100, learning_rate: 0.003, validation_step: 3, threads: 1 }
        {{extra}}
        """, "/configs/recvae.yaml");

    private static readonly CsrMatrix Histories = CsrMatrix.FromRows([[0, 3, 7, 30], [1], [], [2, 3, 4, 5, 6, 8, 9, 11, 17, 25, 26, 27, 28, 29, 31, 33, 35, 38], [39]], 40);

    /// <summary>A small network with every parameter random, LayerNorm's scale and shift included, so that a swapped or dropped term shows.</summary>
    private static RecVaeNetwork RandomNetwork()
    {
        manual_seed(11);
        var network = new RecVaeNetwork(40, hiddenDim: 16, latentDim: 6);
        using var noGrad = no_grad();
        foreach (var norm in network.Encoder.Norms)
        {
            norm.weight!.copy_(rand(16) + 0.5);
            norm.bias!.copy_(randn(16) * 0.3);
        }
        network.Decoder.weight!.mul_(4);
        return network;
    }

    [Fact]
    public void Export_EncoderAndRecommenderScoreAsTheTorchNetwork()
    {
        using var network = RandomNetwork();
        network.eval();
        string folder = _scratch.Combine("model");
        Directory.CreateDirectory(folder);
        RecVaeExporter.Export(network, folder, new Dictionary<string, string> { ["note"] = "x" }, ExportPrecisions.Fp32);

        using var batch = HistoryBatch.Create(Histories, [.. Enumerable.Range(0, Histories.RowCount)], CPU);
        float[] mean, logits;
        using (no_grad())
        {
            using var mu = network.Encode(batch.ItemIndices, batch.BagOffsets, batch.NormWeights).Mean.contiguous();
            mean = mu.data<float>().ToArray();
            using var scores = network.call(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);
            logits = scores.data<float>().ToArray();
        }

        using var recommender = OnnxRecommender.Open(folder);
        Assert.Equal(ModelTypes.RecVae, recommender.ModelType);
        Assert.Equal(6, recommender.LatentDim);
        Assert.Equal(40, recommender.ItemCount);
        float[][] encoded = recommender.Encode(Histories);
        for (int u = 0; u < Histories.RowCount; u++)
            for (int d = 0; d < 6; d++)
                Assert.Equal(mean[u * 6 + d], encoded[u][d], 4);

        var top = recommender.Recommend(Histories, 10);
        for (int u = 0; u < Histories.RowCount; u++)
        {
            var seen = Histories.Row(u).ToArray();
            int[] expected = [.. Enumerable.Range(0, 40).Where(i => !seen.Contains(i)).OrderByDescending(i => logits[u * 40 + i]).Take(10)];
            Assert.Equal(expected, top.Items(u).ToArray());
            for (int r = 0; r < 10; r++) Assert.Equal(logits[u * 40 + expected[r]], top.Scores(u)[r], 3);
        }

        // Item i's embedding is the decoder's weight row i.
        var embeddings = ItemEmbeddings.Load(Path.Combine(folder, ModelFiles.ItemEmbeddings));
        Assert.Equal((40, 6), (embeddings.Count, embeddings.Dimensions));
        float[] decoder = network.Decoder.weight!.detach().contiguous().data<float>().ToArray();
        Assert.Equal(decoder, embeddings.Values.ToArray());
    }

    [Theory]
    [InlineData("fp16")]
    [InlineData("bf16")]
    public void Export_HalfPrecisionStorage_ScoresCloseToFloat32(string precision)
    {
        using var network = RandomNetwork();
        network.eval();
        string full = _scratch.Combine("fp32"), half = _scratch.Combine(precision);
        Directory.CreateDirectory(full);
        Directory.CreateDirectory(half);
        RecVaeExporter.Export(network, full, new Dictionary<string, string>(), ExportPrecisions.Fp32);
        RecVaeExporter.Export(network, half, new Dictionary<string, string>(), precision);
        Assert.True(new FileInfo(Path.Combine(half, ModelFiles.Recommender)).Length < new FileInfo(Path.Combine(full, ModelFiles.Recommender)).Length);

        using var a = OnnxRecommender.Open(full);
        using var b = OnnxRecommender.Open(half);
        var expected = a.Recommend(Histories, 5);
        var actual = b.Recommend(Histories, 5);
        for (int u = 0; u < Histories.RowCount; u++)
            for (int r = 0; r < 5; r++)
                Assert.InRange(actual.Scores(u)[r] - expected.Scores(u)[r], -0.1, 0.1);
    }

    [Fact]
    public void Export_RefusesInt8()
    {
        using var network = RandomNetwork();
        var error = Assert.Throws<ArgumentException>(() => RecVaeExporter.Export(network, _scratch.Path, new Dictionary<string, string>(), ExportPrecisions.Int8));
        Assert.Contains("int8", error.Message);
    }

    [Fact]
    public void Fit_IsDeterministic_ValidatesOnSchedule_AndKeepsTheBestEpoch()
    {
        var data = TinyDatasets.Grouped();
        var config = Config(epochs: 7);
        TrainingOutcome first, second;
        double bestAfterFit;
        using (var trainer = new RecVaeTrainer(config, data.ItemCount))
        {
            first = trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);
            bestAfterFit = trainer.Validate(data.Validation);
            Assert.Equal(new ModelShape(12, [48, 12]).LatentDim, trainer.Shape.LatentDim);
            Assert.Equal(0.005, trainer.Shape.Hyperparameters!["gamma"]);
        }
        using (var trainer = new RecVaeTrainer(config, data.ItemCount))
            second = trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);

        Assert.Equal(first.History.Select(r => r.Loss), second.History.Select(r => r.Loss));
        Assert.Equal(first.History.Select(r => r.ValidationNdcgAt100), second.History.Select(r => r.ValidationNdcgAt100));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], first.History.Select(r => r.Epoch));
        Assert.Equal([3, 6, 7], first.History.Where(r => r.ValidationNdcgAt100 is not null).Select(r => r.Epoch));
        Assert.All(first.History, r => Assert.True(double.IsFinite(r.Loss) && r.Loss > 0, $"loss {r.Loss}"));
        Assert.All(first.History, r => Assert.Equal(0.005, r.KlWeight));
        var best = first.History.Where(r => r.ValidationNdcgAt100 is not null).MaxBy(r => r.ValidationNdcgAt100)!;
        Assert.Equal(best.Epoch, first.BestEpoch);
        Assert.Equal(best.ValidationNdcgAt100!.Value, first.BestValidationNdcg);
        // The network holds the best epoch's weights when Fit returns.
        Assert.Equal(first.BestValidationNdcg, bestAfterFit, 6);
        // The grouped users are predictable: better than popularity's ~0.3 after 7 short epochs (0.47 here).
        Assert.True(first.BestValidationNdcg > 0.4, $"validation NDCG@100 {first.BestValidationNdcg}");
        Assert.True(first.History[^1].Loss < first.History[0].Loss, "the loss should fall");
    }

    [Fact]
    public void Fit_StopsWhenCancelled_AndReportsProgressPerBatch()
    {
        var data = TinyDatasets.Grouped();
        using var trainer = new RecVaeTrainer(Config(epochs: 1), data.ItemCount);
        var reports = new List<TrainingProgress>();
        trainer.Fit(data, null, false, new SyncProgress(reports.Add), TestContext.Current.CancellationToken);
        // Batches of 100 users, 3 encoder passes + 1 decoder pass, then the epoch's report.
        int steps = 4 * ((data.Train.RowCount + 99) / 100);
        Assert.Equal(Enumerable.Range(1, steps).Append(steps), reports.Select(r => r.Batch));
        Assert.All(reports, r => Assert.Equal(steps, r.Batches));
        Assert.NotNull(reports[^1].EpochCompleted);

        using var cancelled = new CancellationTokenSource();
        using var again = new RecVaeTrainer(Config(epochs: 3), data.ItemCount);
        Assert.ThrowsAny<OperationCanceledException>(() => again.Fit(data, null, false, new SyncProgress(report =>
        {
            if (report.Batch == 2) cancelled.Cancel();
        }), cancelled.Token));
    }

    [Fact]
    public void TrainingJob_TrainsExportsAndBeatsPopularity_KeepingTheLastCheckpointAndTheBestWeights()
    {
        var config = Config();
        var result = TrainingJob.Run(new TrainingRequest(config, _scratch.Combine("run")), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(File.Exists(Path.Combine(result.ModelPath, ModelFiles.Encoder)));
        Assert.True(File.Exists(Path.Combine(result.ModelPath, ModelFiles.Recommender)));
        Assert.True(File.Exists(Path.Combine(result.ModelPath, ModelFiles.ItemEmbeddings)));
        var bundle = ModelBundle.Open(result.RunPath);
        Assert.Equal(ModelTypes.RecVae, bundle.Card.ModelType);
        Assert.Equal(12, bundle.Card.LatentDim);
        Assert.Equal(12, result.Epochs);
        string checkpoints = Path.Combine(result.RunPath, RunFiles.CheckpointFolder);
        Assert.Equal([Checkpoint.BestWeightsName(result.BestEpoch), Checkpoint.LastName],
            Directory.EnumerateFiles(checkpoints).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(12, Checkpoint.ReadState(Path.Combine(checkpoints, Checkpoint.LastName)).Epoch);

        using var recommender = OnnxRecommender.Open(result.ModelPath);
        Assert.True(recommender.HasEncoder);
        Assert.Equal(12, recommender.Encode(bundle.Test.FoldIn.SelectRows([0, 1]))[0].Length);
        Assert.True(result.Test.NdcgAt100 > result.Test.PopularityNdcgAt100 + 0.02,
            $"test NDCG@100 {result.Test.NdcgAt100} vs popularity {result.Test.PopularityNdcgAt100}");

        // The run's config records model.recvae and reads back as the same config.
        string written = File.ReadAllText(Path.Combine(result.RunPath, RunFiles.Config));
        Assert.Contains("recvae:", written);
        Assert.Equal(config.Model, ModelRegistry.ConfigLoader.Parse(written, "run.yaml").Model);
    }

    [Fact]
    public void Registry_BuildsARecVaeTrainer()
    {
        var definition = ModelRegistry.Find(ModelTypes.RecVae);
        Assert.True(definition.Iterative);
        using var trainer = ModelRegistry.Create(Config(), 50);
        Assert.IsType<RecVaeTrainer>(trainer);
    }

    [Fact]
    public void Trainer_TakesSeveralGpusAndFp16()
    {
        var config = Config();
        using (var parallel = new RecVaeTrainer(config with { Gpus = 2 }, 50))
            Assert.Equal(2, parallel.Replicas.Count);
        using var half = new RecVaeTrainer(config with { Precision = Precisions.Fp16 }, 50);
        Assert.NotNull(half.LossScaler);
    }

    /// <summary>Reports synchronously (<see cref="Progress{T}"/> would post them elsewhere).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
