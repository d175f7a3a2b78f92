using VaeToolkit.Training.Model;
using static VaeToolkit.Training.Export.OnnxGraphBuilder;
using DataType = VaeToolkit.Training.Export.Onnx.TensorProto.Types.DataType;

namespace VaeToolkit.Training.Export;

/// <summary>
/// A dense layer with dynamically quantised int8 arithmetic, in standard ONNX operators: the input is
/// quantised per batch to uint8 (DynamicQuantizeLinear: its min and max, zero included, over the whole
/// batch), multiplied by int8 weights (MatMulInteger, int32 sums), and the sums scaled back to float32
/// by input scale × column scale before the bias is added. The weights have one scale per output column,
/// computed at export time, and use 7 bits (<see cref="WeightFormats.Int8Limit"/> says why).
/// <para>
/// ONNX Runtime recognises exactly this chain (MatMulInteger → Cast → Mul by Mul(input scale, weight
/// scale) → Add of a constant bias) and fuses it with DynamicQuantizeLinear into one DynamicQuantizeMatMul
/// kernel of its own, which scales and adds the bias as it writes the output. Change the chain and the
/// fusion silently stops; a test reads the optimised graph to check it happens.
/// </para>
/// </summary>
internal static class OnnxQuantizedLayer
{
    public static string Build(OnnxGraphBuilder g, string name, string input, DenseLayer layer)
    {
        var (values, scales) = WeightFormats.QuantizeColumns(layer, $"{name}_weight");
        string weights = g.Initializer($"{name}_weight", values, layer.Inputs, layer.Outputs);
        string weightScale = g.Initializer($"{name}_weight_scale", scales, layer.Outputs);

        string[] quantized = g.NodeWithOutputs("DynamicQuantizeLinear", [input],
            [$"{name}_input_quantized", $"{name}_input_scale", $"{name}_input_zero_point"]);
        string sums = g.Node("MatMulInteger", quantized[0], weights, quantized[2]);
        string scale = g.Node("Mul", quantized[1], weightScale);
        string product = g.Node("Mul", g.Node("Cast", [sums], IntAttribute("to", (long)DataType.Float)), scale);
        return g.Node("Add", product, g.Initializer($"{name}_bias", layer.Bias, layer.Outputs));
    }
}
