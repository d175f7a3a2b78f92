using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VaeToolkit.Training.Export.Onnx;
using VaeToolkit.Training.Model;
using DataType = VaeToolkit.Training.Export.Onnx.TensorProto.Types.DataType;

namespace VaeToolkit.Training.Export;

/// <summary>
/// The weights inside an exported recommender graph, read back: the encoder layers as the graph holds them
/// (for a VAE the last one gives the mean only), then the decoder layers. What a model folder carries,
/// for scoring it with other engines (the dense libtorch baseline of the scoring benchmark, <see cref="Scoring.LibtorchScorer"/>).
/// Weights exported in reduced precision come back as float32: float16 and bfloat16 widened, int8
/// dequantised (value × its column's scale), i.e. the weights the graph actually multiplies by.
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
            layers.Add(new DenseLayer((int)weight.Dims[0], (int)weight.Dims[1], Weights(weight, initializers, path), Floats(bias, path)));
        }
        return layers;
    }

    private static DenseLayer WithoutLastRow(DenseLayer layer) =>
        layer with { Inputs = layer.Inputs - 1, Weight = layer.Weight[..((layer.Inputs - 1) * layer.Outputs)] };

    /// <summary>A weight matrix as float32, whichever form <see cref="OnnxExporter"/> stored it in.</summary>
    private static float[] Weights(TensorProto weight, Dictionary<string, TensorProto> initializers, string path)
    {
        switch ((DataType)weight.DataType)
        {
            case DataType.Float:
                return Floats(weight, path);
            case DataType.Float16:
                return [.. Values<Half>(weight, path, "float16 values").ToArray().Select(value => (float)value)];
            case DataType.Bfloat16:
                return [.. Values<ushort>(weight, path, "bfloat16 values").ToArray().Select(WeightFormats.FromBFloat16)];
            case DataType.Int8:
                string scaleName = weight.Name + "_scale";
                if (!initializers.TryGetValue(scaleName, out var scaleTensor))
                    throw new InvalidDataException($"{path}: {weight.Name} is int8 but the graph has no {scaleName} to dequantise it with");
                float[] scales = Floats(scaleTensor, path);
                int columns = (int)weight.Dims[1];
                if (scales.Length != columns)
                    throw new InvalidDataException($"{path}: {scaleName} holds {scales.Length} scales for {columns} columns");
                var quantized = Values<sbyte>(weight, path, "int8 values");
                var values = new float[quantized.Length];
                for (int i = 0; i < values.Length; i++) values[i] = quantized[i] * scales[i % columns];
                return values;
            default:
                throw new InvalidDataException($"{path}: {weight.Name} is stored as ONNX data type {weight.DataType}, which this toolkit does not read back");
        }
    }

    private static float[] Floats(TensorProto tensor, string path)
    {
        if ((DataType)tensor.DataType != DataType.Float)
            throw new InvalidDataException($"{path}: {tensor.Name} is ONNX data type {tensor.DataType}, not float");
        return Values<float>(tensor, path, "floats").ToArray();
    }

    private static ReadOnlySpan<T> Values<T>(TensorProto tensor, string path, string what) where T : unmanaged
    {
        long count = tensor.Dims.Aggregate(1L, (product, dim) => product * dim);
        if (tensor.RawData.Length != count * Unsafe.SizeOf<T>())
            throw new InvalidDataException($"{path}: {tensor.Name} holds {tensor.RawData.Length} bytes, not {count} {what}");
        return MemoryMarshal.Cast<byte, T>(tensor.RawData.Span);
    }
}
