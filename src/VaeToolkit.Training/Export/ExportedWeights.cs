using System.Runtime.InteropServices;
using VaeToolkit.Training.Export.Onnx;
using VaeToolkit.Training.Model;

namespace VaeToolkit.Training.Export;

/// <summary>
/// The weights inside an exported recommender graph, read back: the encoder layers as the graph holds them
/// (for a VAE the last one gives the mean only), then the decoder layers. What a model folder carries,
/// for scoring it with other engines (the dense libtorch baseline of <see cref="Scoring.ScoringBenchmark"/>).
/// </summary>
public sealed record ExportedWeights(string ModelType, int ItemCount, IReadOnlyList<DenseLayer> Encoder, IReadOnlyList<DenseLayer> Decoder)
{
    public bool IsVae => ModelType == "vae";

    public static ExportedWeights Read(string recommenderPath)
    {
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(recommenderPath);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{recommenderPath} is not an ONNX model: {e.Message}", e);
        }
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name);
        string modelType = model.MetadataProps.FirstOrDefault(p => p.Key == "model_type")?.Value
            ?? throw new InvalidDataException($"{recommenderPath} has no model_type in its metadata");
        var encoder = Layers(initializers, "encoder", recommenderPath);
        var decoder = Layers(initializers, "decoder", recommenderPath);
        if (encoder.Count == 0 || decoder.Count == 0)
            throw new InvalidDataException($"{recommenderPath} holds no encoder_0/decoder_0 weights: not a VaeToolkit recommender graph");
        int items = decoder[^1].Outputs;
        // Since the two-step item layer (OnnxItemLayer) the first weights carry one all-zero padding row.
        if (encoder[0].Inputs == items + 1) encoder[0] = WithoutLastRow(encoder[0]);
        return new ExportedWeights(modelType, items, encoder, decoder);
    }

    /// <summary>The layers &lt;part&gt;_0, &lt;part&gt;_1, ... as long as both weight and bias are there.</summary>
    private static List<DenseLayer> Layers(Dictionary<string, TensorProto> initializers, string part, string path)
    {
        var layers = new List<DenseLayer>();
        for (int i = 0; initializers.TryGetValue($"{part}_{i}_weight", out var weight) && initializers.TryGetValue($"{part}_{i}_bias", out var bias); i++)
        {
            if (weight.Dims.Count != 2 || bias.Dims.Count != 1 || weight.Dims[1] != bias.Dims[0])
                throw new InvalidDataException($"{path}: {part}_{i} has weights of shape [{string.Join(", ", weight.Dims)}] and biases [{string.Join(", ", bias.Dims)}]");
            layers.Add(new DenseLayer((int)weight.Dims[0], (int)weight.Dims[1], Floats(weight, path), Floats(bias, path)));
        }
        return layers;
    }

    private static DenseLayer WithoutLastRow(DenseLayer layer) =>
        layer with { Inputs = layer.Inputs - 1, Weight = layer.Weight[..((layer.Inputs - 1) * layer.Outputs)] };

    private static float[] Floats(TensorProto tensor, string path)
    {
        long count = tensor.Dims.Aggregate(1L, (product, dim) => product * dim);
        if (tensor.RawData.Length != count * sizeof(float))
            throw new InvalidDataException($"{path}: {tensor.Name} holds {tensor.RawData.Length} bytes, not {count} floats");
        return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
    }
}
