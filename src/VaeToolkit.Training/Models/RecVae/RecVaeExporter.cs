using System.Globalization;
using TorchSharp.Modules;
using VaeToolkit.Configuration;
using VaeToolkit.Runs;
using VaeToolkit.Training.Export;
using VaeToolkit.Training.Export.Onnx;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;
using static VaeToolkit.Training.Export.OnnxGraphBuilder;
using DataType = VaeToolkit.Training.Export.Onnx.TensorProto.Types.DataType;

namespace VaeToolkit.Training.Models.RecVae;

/// <summary>
/// Writes a trained <see cref="RecVaeNetwork"/> as a model folder's graphs: the encoder graph (sparse histories
/// in, the latent mean <c>mu</c> float [users, latent] out) and the recommender graph (Decode(μ), then
/// <see cref="RecommenderHead"/>), and the item embeddings (the decoder's weight rows, [items, latent]).
/// <para>
/// The encoder as <see cref="RecVaeEncoder"/> computes it: fc1 on the L2-normalised history
/// (<see cref="OnnxItemLayer"/> with the 1/sqrt(count) scaling, which is x/‖x‖ on a binary row), then five
/// blocks LayerNorm(swish(·)) with the dense connections, swish as x·Sigmoid(x) and LayerNormalization
/// (opset 17) with the network's epsilon (0.1). The log-variance head is left out (inference uses μ).
/// Matrices are stored as fp32, fp16 or bf16 (<see cref="WeightFormats.FloatMatrix"/>); biases and LayerNorm
/// parameters stay float32. int8 is refused.
/// </para>
/// </summary>
public static class RecVaeExporter
{
    public static void Export(RecVaeNetwork network, string modelDirectory, IReadOnlyDictionary<string, string> metadata, string precision)
    {
        if (precision is not (ExportPrecisions.Fp32 or ExportPrecisions.Fp16 or ExportPrecisions.Bf16))
            throw new ArgumentException($"RecVAE exports with export.precision fp32, fp16 or bf16, not '{precision}'", nameof(precision));
        var encoder = network.Encoder;
        int items = network.ItemCount;
        int latent = network.LatentDim;

        var properties = new Dictionary<string, string>(metadata)
        {
            ["model_type"] = ModelTypes.RecVae,
            ["item_count"] = items.ToString(CultureInfo.InvariantCulture),
            ["latent_dim"] = latent.ToString(CultureInfo.InvariantCulture),
            ["precision"] = precision,
        };

        var g = new OnnxGraphBuilder("vaetoolkit_encoder");
        var history = SparseHistory.Declare(g);
        g.Output(Encode(g, encoder, history, precision), "mu", DataType.Float, "users", latent);
        OnnxExporter.Write(Path.Combine(modelDirectory, ModelFiles.Encoder), g.Build(), properties);

        g = new OnnxGraphBuilder("vaetoolkit_recommender");
        history = SparseHistory.Declare(g);
        string k = g.Input("k", DataType.Int64, 1);
        string logits = Dense(g, "decoder", Encode(g, encoder, history, precision), network.Decoder, precision);
        RecommenderHead.Build(g, history, logits, k, items);
        OnnxExporter.Write(Path.Combine(modelDirectory, ModelFiles.Recommender), g.Build(), properties);

        // Item i's vector: row i of the decoder's weight [items × latent], the direction that scores item i.
        new ItemEmbeddings(items, latent, Floats(network.Decoder.weight!)).Save(Path.Combine(modelDirectory, ModelFiles.ItemEmbeddings));
    }

    /// <summary>μ of the encoder, float [users, latent].</summary>
    private static string Encode(OnnxGraphBuilder g, RecVaeEncoder encoder, SparseHistory history, string storage)
    {
        var norms = encoder.Norms;
        var firstLayer = new DenseLayer(encoder.ItemCount, encoder.HiddenDim, Floats(encoder.ItemWeight), Floats(encoder.ItemBias));
        string h = Block(g, "ln1", norms[0], OnnxItemLayer.Build(g, history, firstLayer, storage, normalize: true, name: "fc1"));
        string sum = h;
        var layers = encoder.HiddenLayers;
        for (int i = 0; i < layers.Count; i++)
        {
            h = Block(g, $"ln{i + 2}", norms[i + 1], g.Node("Add", Dense(g, $"fc{i + 2}", h, layers[i], storage), sum));
            if (i < layers.Count - 1) sum = g.Node("Add", sum, h);
        }
        return Dense(g, "fc_mu", h, encoder.MeanLayer, storage);
    }

    /// <summary>LayerNorm(swish(<paramref name="pre"/>)), swish(x) = x·sigmoid(x).</summary>
    private static string Block(OnnxGraphBuilder g, string name, LayerNorm norm, string pre)
    {
        int width = (int)norm.weight!.shape[0];
        string swish = g.Node("Mul", pre, g.Node("Sigmoid", pre));
        return g.Node("LayerNormalization",
            [swish, g.Initializer($"{name}_weight", Floats(norm.weight), width), g.Initializer($"{name}_bias", Floats(norm.bias!), width)],
            IntAttribute("axis", -1), FloatAttribute("epsilon", (float)norm.eps));
    }

    /// <summary>x·Wᵀ + b for a torch Linear (weight [out × in]), W stored transposed as [in, out].</summary>
    private static string Dense(OnnxGraphBuilder g, string name, string input, Linear layer, string storage)
    {
        int outputs = (int)layer.weight!.shape[0];
        int inputs = (int)layer.weight.shape[1];
        float[] weight;
        using (var transposed = layer.weight.detach().t()) weight = Floats(transposed);
        return g.Node("Add",
            g.Node("MatMul", input, WeightFormats.FloatMatrix(g, $"{name}_weight", weight, storage, inputs, outputs)),
            g.Initializer($"{name}_bias", Floats(layer.bias!), outputs));
    }

    private static float[] Floats(Tensor tensor)
    {
        using var floats = tensor.detach().to(ScalarType.Float32).cpu().contiguous();
        return floats.data<float>().ToArray();
    }
}
