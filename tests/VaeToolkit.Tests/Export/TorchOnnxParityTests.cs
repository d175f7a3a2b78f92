using VaeToolkit.Configuration;
using VaeToolkit.Inference;
using VaeToolkit.Tests.Training;
using VaeToolkit.Training;
using VaeToolkit.Training.Export;
using VaeToolkit.Training.Model;
using VaeToolkit.Training.Models;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Export;

/// <summary>A model trained with TorchSharp and scored by ONNX Runtime gives the same scores and top-k.</summary>
public sealed class TorchOnnxParityTests
{
    private const int K = 10;

    [Theory]
    [InlineData("vae")]
    [InlineData("dae")]
    public void TrainedModel_ScoresTheSameInTorchSharpAndOnnxRuntime(string type)
    {
        var data = TinyDatasets.Grouped();
        var config = ModelRegistry.ConfigLoader.Defaults with
        {
            Seed = 5,
            Model = new ModelConfig { Type = type, EncoderDims = [32, 8] },
            Training = new TrainingConfig { Epochs = 3, BatchSize = 64, LearningRate = 0.01, Threads = 1 },
        };
        using var trainer = new Trainer(config, data.ItemCount);
        trainer.Fit(data, null, false, null, TestContext.Current.CancellationToken);
        using var directory = new TemporaryDirectory();
        OnnxExporter.Export(trainer.Model.ToWeights(), directory.Path);

        var histories = data.Test.FoldIn;
        int[] rows = [.. Enumerable.Range(0, histories.RowCount)];
        using var scope = NewDisposeScope();
        trainer.Model.eval();
        using var noGrad = no_grad();
        using var batch = HistoryBatch.Create(histories, rows, CPU);
        Tensor logits = trainer.Model.call(batch.ItemIndices, batch.BagOffsets, batch.NormWeights);
        logits.view(-1).index_fill_(0, batch.PositivePositions, float.NegativeInfinity);
        var (torchScores, torchItems) = logits.topk(K);
        float[] expectedScores = torchScores.data<float>().ToArray();
        long[] expectedItems = torchItems.data<long>().ToArray();
        float[] expectedMeans = trainer.Model.Encode(batch.ItemIndices, batch.BagOffsets, batch.NormWeights).Mean.data<float>().ToArray();

        using var onnx = OnnxRecommender.Open(directory.Path);
        var top = onnx.Recommend(histories, K);
        float[][] means = onnx.Encode(histories);
        for (int u = 0; u < rows.Length; u++)
        {
            Assert.Equal(expectedItems.Skip(u * K).Take(K).Select(i => (int)i), top.Items(u).ToArray());
            for (int r = 0; r < K; r++)
                Assert.InRange(top.Scores(u)[r] - expectedScores[u * K + r], -1e-4f, 1e-4f);
            for (int d = 0; d < means[u].Length; d++)
                Assert.InRange(means[u][d] - expectedMeans[u * means[u].Length + d], -1e-4f, 1e-4f);
        }
    }
}
