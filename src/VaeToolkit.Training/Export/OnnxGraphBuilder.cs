using System.Runtime.InteropServices;
using Google.Protobuf;
using VaeToolkit.Training.Export.Onnx;
using DataType = VaeToolkit.Training.Export.Onnx.TensorProto.Types.DataType;

namespace VaeToolkit.Training.Export;

/// <summary>
/// Builds an ONNX graph node by node. Every node gets a fresh output name, so the graph reads like
/// straight-line code: <c>var h = g.Node("MatMul", x, w);</c>.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto graph;
    private int nextId;

    public OnnxGraphBuilder(string name) => graph = new GraphProto { Name = name };

    /// <summary>Declares a graph input; each dimension is a size (long) or a symbolic name (string).</summary>
    public string Input(string name, DataType type, params object[] dims)
    {
        graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Exposes <paramref name="value"/> as the graph output <paramref name="name"/>.</summary>
    public void Output(string value, string name, DataType type, params object[] dims)
    {
        if (value != name) NodeWithOutputs("Identity", [value], [name]);
        graph.Output.Add(ValueInfo(name, type, dims));
    }

    public string Initializer(string name, float[] values, params long[] dims) =>
        AddInitializer(name, DataType.Float, MemoryMarshal.AsBytes(values.AsSpan()), dims);

    public string Initializer(string name, long[] values, params long[] dims) =>
        AddInitializer(name, DataType.Int64, MemoryMarshal.AsBytes(values.AsSpan()), dims);

    /// <summary>Booleans, one byte each (0 or 1), as ONNX stores them.</summary>
    public string Initializer(string name, bool[] values, params long[] dims) =>
        AddInitializer(name, DataType.Bool, [.. values.Select(v => v ? (byte)1 : (byte)0)], dims);

    public string Initializer(string name, Half[] values, params long[] dims) =>
        AddInitializer(name, DataType.Float16, MemoryMarshal.AsBytes(values.AsSpan()), dims);

    public string Initializer(string name, sbyte[] values, params long[] dims) =>
        AddInitializer(name, DataType.Int8, MemoryMarshal.AsBytes(values.AsSpan()), dims);

    public string Initializer(string name, byte[] values, params long[] dims) =>
        AddInitializer(name, DataType.Uint8, values, dims);

    /// <summary>bfloat16 values, each the upper 16 bits of a float32 (<see cref="WeightFormats.ToBFloat16"/>).</summary>
    public string BFloat16Initializer(string name, ushort[] values, params long[] dims) =>
        AddInitializer(name, DataType.Bfloat16, MemoryMarshal.AsBytes(values.AsSpan()), dims);

    /// <summary>A one-dimensional int64 constant, the form Slice, Concat and TopK take.</summary>
    public string Int64s(params long[] values) => Initializer($"const_{nextId++}", values, values.Length);

    public string Float32s(params float[] values) => Initializer($"const_{nextId++}", values, values.Length);

    /// <summary>A zero-dimensional int64 constant, such as CumSum's axis.</summary>
    public string Int64Scalar(long value) => Initializer($"const_{nextId++}", new[] { value });

    public string Node(string opType, params string[] inputs) => Node(opType, inputs, Array.Empty<AttributeProto>());

    public string Node(string opType, string[] inputs, params AttributeProto[] attributes) =>
        NodeWithOutputs(opType, inputs, [$"{opType.ToLowerInvariant()}_{nextId++}"], attributes)[0];

    /// <summary>A node with several (named) outputs, such as TopK.</summary>
    public string[] NodeWithOutputs(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{nextId++}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return outputs;
    }

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto TextAttribute(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>A one-element tensor attribute: the fill <c>value</c> of ConstantOfShape.</summary>
    public static AttributeProto FillAttribute(float value) =>
        new() { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = Tensor("", DataType.Float, BitConverter.GetBytes(value), 1) };

    public static AttributeProto FillAttribute(long value) =>
        new() { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = Tensor("", DataType.Int64, BitConverter.GetBytes(value), 1) };

    public GraphProto Build() => graph;

    private string AddInitializer(string name, DataType type, ReadOnlySpan<byte> littleEndian, long[] dims)
    {
        graph.Initializer.Add(Tensor(name, type, littleEndian, dims));
        return name;
    }

    private static TensorProto Tensor(string name, DataType type, ReadOnlySpan<byte> littleEndian, params long[] dims)
    {
        // raw_data is little-endian by definition; so is every platform this toolkit ships for.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX export needs a little-endian machine");
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(littleEndian) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static ValueInfoProto ValueInfo(string name, DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"dimension {dim} is neither a size nor a name", nameof(dims)),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
