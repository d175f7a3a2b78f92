using Microsoft.ML.OnnxRuntime;
using VaeToolkit.Runs;
using VaeToolkit.Training.Export;
using VaeToolkit.Training.Model;

namespace VaeToolkit.Tests.Export;

public sealed class OnnxExporterTests
{
    [Fact]
    public void Export_WritesBothGraphsWithMetadataAndTheItemEmbeddingsAndNothingElse()
    {
        using var directory = new TemporaryDirectory();
        var weights = RandomWeights.Create("vae", items: 50, dims: [20, 8], seed: 1);

        OnnxExporter.Export(weights, directory.Path, new Dictionary<string, string> { ["dataset"] = "toy", ["item_count"] = "999" });

        Assert.Equal([ModelFiles.Encoder, ModelFiles.ItemEmbeddings, ModelFiles.Recommender], Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order());
        foreach (string file in new[] { ModelFiles.Encoder, ModelFiles.Recommender })
        {
            using var session = new InferenceSession(directory.Combine(file));
            var metadata = session.ModelMetadata;
            Assert.Equal(OnnxExporter.ProducerName, metadata.ProducerName);
            Assert.Equal("toy", metadata.CustomMetadataMap["dataset"]);
            Assert.Equal("vae", metadata.CustomMetadataMap["model_type"]);
            // The sizes describe the graph; a caller cannot contradict them.
            Assert.Equal("50", metadata.CustomMetadataMap["item_count"]);
            Assert.Equal("8", metadata.CustomMetadataMap["latent_dim"]);
        }
    }

    [Fact]
    public void Export_DeclaresTheSparseInputsAndTheOutputs()
    {
        using var directory = new TemporaryDirectory();
        OnnxExporter.Export(RandomWeights.Create("dae", items: 30, dims: [6], seed: 2), directory.Path);

        using var recommender = new InferenceSession(directory.Combine(ModelFiles.Recommender));
        Assert.Equal(["item_indices", "user_offsets", "k"], recommender.InputNames);
        Assert.All(recommender.InputMetadata.Values, input => Assert.Equal(typeof(long), input.ElementType));
        // exclude_seen is an input with a default: ONNX Runtime lists it apart from the inputs that must be fed.
        var excludeSeen = Assert.Single(recommender.OverridableInitializerMetadata);
        Assert.Equal(OnnxExporter.ExcludeSeenInput, excludeSeen.Key);
        Assert.Equal(typeof(bool), excludeSeen.Value.ElementType);
        Assert.Equal([1], excludeSeen.Value.Dimensions);
        Assert.Equal(["top_items", "top_scores"], recommender.OutputNames);
        Assert.Equal(typeof(long), recommender.OutputMetadata["top_items"].ElementType);
        Assert.Equal(typeof(float), recommender.OutputMetadata["top_scores"].ElementType);

        using var encoder = new InferenceSession(directory.Combine(ModelFiles.Encoder));
        Assert.Equal(["item_indices", "user_offsets"], encoder.InputNames);
        Assert.Equal(["mu"], encoder.OutputNames);
        Assert.Equal([-1, 6], encoder.OutputMetadata["mu"].Dimensions);
    }

    [Fact]
    public void Export_RejectsLayersThatDoNotChain()
    {
        using var directory = new TemporaryDirectory();
        var weights = RandomWeights.Create("vae", items: 50, dims: [20, 8], seed: 3);
        var broken = weights with { Decoder = [weights.Decoder[0], new DenseLayer(19, 50, new float[19 * 50], new float[50])] };

        var error = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(broken, directory.Path));

        Assert.Contains("decoder layer 1 takes 19 inputs, expected 20", error.Message);
        Assert.Empty(Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void Export_RejectsAVaeWhoseLastEncoderLayerHasNoVarianceHalf()
    {
        using var directory = new TemporaryDirectory();
        var dae = RandomWeights.Create("dae", items: 50, dims: [20, 8], seed: 4);

        var error = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(dae with { ModelType = "vae" }, directory.Path));

        Assert.Contains("the encoder produces 8 outputs, expected 16", error.Message);
    }
}
