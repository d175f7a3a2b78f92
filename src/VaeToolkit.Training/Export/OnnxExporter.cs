using System.Globalization;
using System.Reflection;
using Google.Protobuf;
using VaeToolkit.Configuration;
using VaeToolkit.IO;
using VaeToolkit.Runs;
using VaeToolkit.Training.Export.Onnx;
using VaeToolkit.Training.Model;
using static VaeToolkit.Training.Export.OnnxGraphBuilder;
using DataType = VaeToolkit.Training.Export.Onnx.TensorProto.Types.DataType;

namespace VaeToolkit.Training.Export;

/// <summary>
/// Writes a trained Mult-VAE/DAE as the two ONNX graphs of a model directory
/// (<see cref="ModelFiles.Recommender"/> and <see cref="ModelFiles.Encoder"/>), and the items' vectors
/// for item similarity (<see cref="ModelFiles.ItemEmbeddings"/>).
/// <para>
/// Both graphs take each user's history in sparse (CSR) form: <c>item_indices</c> int64 [nnz] and
/// <c>user_offsets</c> int64 [users + 1], user <c>u</c>'s items being
/// <c>item_indices[user_offsets[u] .. user_offsets[u + 1]]</c>. The encoder outputs <c>mu</c>
/// float [users, latent]; the recommender also takes <c>k</c> int64 [1] and outputs
/// <c>top_items</c> int64 [users, k'] and <c>top_scores</c> float [users, k'] (the logits, best first,
/// with k' = min(k, items) and the user's own items scored -inf). The recommender's optional input
/// <c>exclude_seen</c> bool [1] (an initializer, true unless fed) set to false scores the own items as any other.
/// </para>
/// <para>
/// <c>precision</c> (<see cref="ExportPrecisions"/>) chooses how the weights are stored: float32 (the
/// default), float16 or bfloat16 matrices that ONNX Runtime casts to float32 when it loads the graph, or,
/// for <c>int8</c>, the decoder's output layer as int8 arithmetic (<see cref="OnnxQuantizedLayer"/>) with
/// everything else in float32. Each graph's metadata_props say which, under <c>precision</c>.
/// </para>
/// </summary>
public static class OnnxExporter
{
    public const int OpsetVersion = 17;

    public const int IrVersion = 8;

    public const string ProducerName = "VaeToolkit";

    /// <summary>The recommender's optional bool [1] input: whether a user's own items are left out (the default, true).</summary>
    public const string ExcludeSeenInput = "exclude_seen";

    /// <summary>
    /// Writes both graphs and the item embeddings into <paramref name="modelDirectory"/>, each atomically. <paramref name="metadata"/>
    /// goes into each graph's metadata_props, next to model_type, item_count, latent_dim and precision.
    /// </summary>
    /// <param name="precision">One of <see cref="ExportPrecisions.All"/>.</param>
    public static void Export(MultVaeWeights weights, string modelDirectory, IReadOnlyDictionary<string, string>? metadata = null, string precision = ExportPrecisions.Fp32)
    {
        Validate(weights);
        if (!ExportPrecisions.All.Contains(precision))
            throw new ArgumentException($"export precision '{precision}' is not one of {string.Join(", ", ExportPrecisions.All)}", nameof(precision));
        // Half-precision storage applies to every matrix; int8 only to the decoder's output layer.
        string storage = precision == ExportPrecisions.Int8 ? ExportPrecisions.Fp32 : precision;

        // The scorer reads the sizes from these keys, so they always describe the graph itself.
        var properties = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            ["model_type"] = weights.ModelType,
            ["item_count"] = weights.ItemCount.ToString(CultureInfo.InvariantCulture),
            ["latent_dim"] = weights.LatentDim.ToString(CultureInfo.InvariantCulture),
        };

        // The encoder graph has no decoder, so under int8 it is float32 throughout, and says so.
        Write(Path.Combine(modelDirectory, ModelFiles.Encoder), BuildEncoder(weights, storage), With(properties, "precision", storage));
        Write(Path.Combine(modelDirectory, ModelFiles.Recommender), BuildRecommender(weights, precision, storage), With(properties, "precision", precision));
        ItemVectors(weights).Save(Path.Combine(modelDirectory, ModelFiles.ItemEmbeddings));
    }

    /// <summary>
    /// Item i's vector: column i of the decoder's output layer (stored [inputs, items]), the direction
    /// that scores item i. Always float32 from the trained weights, whatever the graphs' precision.
    /// </summary>
    private static ItemEmbeddings ItemVectors(MultVaeWeights weights)
    {
        DenseLayer output = weights.Decoder[^1];
        int dims = output.Inputs;
        int items = output.Outputs;
        var values = new float[(long)items * dims];
        for (int j = 0; j < dims; j++)
        {
            ReadOnlySpan<float> row = output.Weight.AsSpan((int)((long)j * items), items);
            for (int i = 0; i < items; i++) values[(long)i * dims + j] = row[i];
        }
        return new ItemEmbeddings(items, dims, values);
    }

    private static Dictionary<string, string> With(Dictionary<string, string> properties, string key, string value) =>
        new(properties) { [key] = value };

    private static GraphProto BuildEncoder(MultVaeWeights weights, string storage)
    {
        var g = new OnnxGraphBuilder("vaetoolkit_encoder");
        var history = SparseHistory.Declare(g);
        string mu = Encode(g, weights, history, storage);
        g.Output(mu, "mu", DataType.Float, "users", weights.LatentDim);
        return g.Build();
    }

    private static GraphProto BuildRecommender(MultVaeWeights weights, string precision, string storage)
    {
        var g = new OnnxGraphBuilder("vaetoolkit_recommender");
        var history = SparseHistory.Declare(g);
        string k = g.Input("k", DataType.Int64, 1);

        string logits = Decode(g, weights, Encode(g, weights, history, storage), precision, storage);

        RecommenderHead.Build(g, history, logits, k, weights.ItemCount);
        return g.Build();
    }

    /// <summary>The latent mean: the encoder with the VAE's log-variance half left out.</summary>
    private static string Encode(OnnxGraphBuilder g, MultVaeWeights weights, SparseHistory history, string storage)
    {
        var layers = weights.Encoder.ToList();
        if (weights.IsVae) layers[^1] = FirstOutputs(layers[^1], weights.LatentDim);

        string h = OnnxItemLayer.Build(g, history, layers[0], storage);
        for (int i = 1; i < layers.Count; i++)
            h = Dense(g, $"encoder_{i}", g.Node("Tanh", h), layers[i], storage);
        // The VAE's mean is linear; the DAE's code goes through tanh like its other layers.
        return weights.IsVae ? h : g.Node("Tanh", h);
    }

    /// <summary>
    /// The decoder. Under int8 only its output layer, [h, items], is quantised: it holds nearly all of the
    /// decoder's weights and work, and its input, a tanh, lies in [-1, 1], so one uint8 scale over a batch
    /// loses little. (With a single decoder layer its input is the latent mean, unbounded: a batch's widest
    /// user sets everyone's scale.)
    /// </summary>
    private static string Decode(OnnxGraphBuilder g, MultVaeWeights weights, string latent, string precision, string storage)
    {
        string h = latent;
        for (int i = 0; i < weights.Decoder.Count; i++)
        {
            string name = $"decoder_{i}";
            string input = i == 0 ? h : g.Node("Tanh", h);
            h = precision == ExportPrecisions.Int8 && i == weights.Decoder.Count - 1
                ? OnnxQuantizedLayer.Build(g, name, input, weights.Decoder[i])
                : Dense(g, name, input, weights.Decoder[i], storage);
        }
        return h;
    }

    private static string Dense(OnnxGraphBuilder g, string name, string input, DenseLayer layer, string storage) =>
        g.Node("Add",
            g.Node("MatMul", input, WeightFormats.FloatMatrix(g, $"{name}_weight", layer.Weight, storage, layer.Inputs, layer.Outputs)),
            g.Initializer($"{name}_bias", layer.Bias, layer.Outputs));

    private static DenseLayer FirstOutputs(DenseLayer layer, int outputs)
    {
        var weight = new float[(long)layer.Inputs * outputs];
        for (int input = 0; input < layer.Inputs; input++)
            layer.Weight.AsSpan((int)((long)input * layer.Outputs), outputs).CopyTo(weight.AsSpan(input * outputs));
        return new DenseLayer(layer.Inputs, outputs, weight, layer.Bias[..outputs]);
    }

    /// <summary>Writes <paramref name="graph"/> as an ONNX model file (opset <see cref="OpsetVersion"/>) with <paramref name="metadata"/> as its metadata_props, atomically.</summary>
    internal static void Write(string path, GraphProto graph, IReadOnlyDictionary<string, string> metadata)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        foreach (var (key, value) in metadata)
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        AtomicFile.Write(path, model.WriteTo);
    }

    private static void Validate(MultVaeWeights weights)
    {
        if (weights.ModelType is not ("vae" or "dae"))
            throw new ArgumentException($"model type '{weights.ModelType}' is neither 'vae' nor 'dae'", nameof(weights));
        if (weights.ItemCount < 1 || weights.LatentDim < 1 || weights.Encoder.Count == 0 || weights.Decoder.Count == 0)
            throw new ArgumentException("the model needs items, a latent size and at least one encoder and one decoder layer", nameof(weights));

        int codeWidth = weights.IsVae ? 2 * weights.LatentDim : weights.LatentDim;
        CheckChain("encoder", weights.Encoder, weights.ItemCount, codeWidth);
        CheckChain("decoder", weights.Decoder, weights.LatentDim, weights.ItemCount);
    }

    private static void CheckChain(string part, IReadOnlyList<DenseLayer> layers, int inputs, int outputs)
    {
        int expected = inputs;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            if (layer.Inputs != expected)
                throw new ArgumentException($"{part} layer {i} takes {layer.Inputs} inputs, expected {expected}", nameof(layers));
            if (layer.Weight.LongLength != (long)layer.Inputs * layer.Outputs || layer.Bias.Length != layer.Outputs)
                throw new ArgumentException($"{part} layer {i} should hold {layer.Inputs}x{layer.Outputs} weights and {layer.Outputs} biases", nameof(layers));
            expected = layer.Outputs;
        }
        if (expected != outputs)
            throw new ArgumentException($"the {part} produces {expected} outputs, expected {outputs}", nameof(layers));
    }
}
