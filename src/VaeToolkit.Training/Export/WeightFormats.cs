using VaeToolkit.Configuration;
using VaeToolkit.Training.Model;
using static VaeToolkit.Training.Export.OnnxGraphBuilder;
using DataType = VaeToolkit.Training.Export.Onnx.TensorProto.Types.DataType;

namespace VaeToolkit.Training.Export;

/// <summary>
/// The forms a weight matrix takes in an exported graph (<see cref="ExportPrecisions"/>) and the way back
/// to float32: float16 and bfloat16 storage, and int8 with one scale per output column.
/// </summary>
internal static class WeightFormats
{
    /// <summary>
    /// The largest magnitude a weight is quantised to: symmetric (zero is exact, no zero point) and 7 bits,
    /// as ONNX Runtime's <c>reduce_range</c>. On x86 CPUs without VNNI, ONNX Runtime multiplies uint8 inputs
    /// by int8 weights with vpmaddubsw, which adds two products in int16 and saturates: 2 × 255 × 127
    /// overflows, 2 × 255 × 63 does not. With full-range weights the same file would score correctly on
    /// this machine (AVX512-VNNI) and silently wrongly on an AVX2 one; 7 bits cost little accuracy
    /// (README: Scoring speed).
    /// </summary>
    public const int Int8Limit = 63;

    /// <summary>
    /// Adds the weight matrix <paramref name="name"/> stored as <paramref name="storage"/> (fp32, fp16 or
    /// bf16) and returns the name of its float32 value. A half-precision matrix goes through a Cast of the
    /// initializer, which ONNX Runtime's constant folding evaluates once when it loads the graph: the file
    /// holds 2 bytes a weight, the session computes in float32 as before.
    /// </summary>
    public static string FloatMatrix(OnnxGraphBuilder g, string name, float[] values, string storage, params long[] dims) => storage switch
    {
        ExportPrecisions.Fp32 => g.Initializer(name, values, dims),
        ExportPrecisions.Fp16 => g.Node("Cast", [g.Initializer(name, ToHalf(values, name), dims)], IntAttribute("to", (long)DataType.Float)),
        ExportPrecisions.Bf16 => g.Node("Cast", [g.BFloat16Initializer(name, ToBFloat16(values), dims)], IntAttribute("to", (long)DataType.Float)),
        _ => throw new ArgumentException($"weights cannot be stored as '{storage}'", nameof(storage)),
    };

    /// <summary>float32 to float16, rounded to nearest even; a value beyond float16's range (±65504) is an error naming the matrix.</summary>
    public static Half[] ToHalf(float[] values, string name)
    {
        var half = new Half[values.Length];
        for (long i = 0; i < values.LongLength; i++)
        {
            half[i] = (Half)values[i];
            if (Half.IsInfinity(half[i]) && !float.IsInfinity(values[i]))
                throw new ArgumentException($"{name} holds {values[i]}, beyond float16's range (±65504): export it as fp32 or bf16", nameof(values));
        }
        return half;
    }

    /// <summary>float32 to bfloat16 (the upper 16 bits), rounded to nearest even; NaN stays NaN.</summary>
    public static ushort[] ToBFloat16(float[] values)
    {
        var bf16 = new ushort[values.Length];
        for (long i = 0; i < values.LongLength; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(values[i]);
            bf16[i] = float.IsNaN(values[i])
                ? (ushort)((bits >> 16) | 0x40) // keep it a (quiet) NaN: the rounding below could carry it into infinity
                : (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
        }
        return bf16;
    }

    public static float FromBFloat16(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    /// <summary>
    /// Symmetric int8 quantisation (to ±<see cref="Int8Limit"/>) with one scale per output column: scale = max |w| over the column / <see cref="Int8Limit"/>,
    /// q = round(w / scale). A column of zeros gets scale 1. Non-finite weights cannot be quantised.
    /// </summary>
    public static (sbyte[] Values, float[] Scales) QuantizeColumns(DenseLayer layer, string name)
    {
        var scales = new float[layer.Outputs];
        for (long i = 0; i < layer.Weight.LongLength; i++)
        {
            float w = layer.Weight[i];
            if (!float.IsFinite(w))
                throw new ArgumentException($"{name} holds a weight of {w}, which cannot be quantised to int8", nameof(layer));
            int column = (int)(i % layer.Outputs);
            scales[column] = Math.Max(scales[column], Math.Abs(w));
        }
        for (int o = 0; o < scales.Length; o++) scales[o] = scales[o] > 0 ? scales[o] / Int8Limit : 1f;

        var values = new sbyte[layer.Weight.LongLength];
        for (long i = 0; i < values.LongLength; i++)
            values[i] = (sbyte)Math.Clamp(MathF.Round(layer.Weight[i] / scales[i % layer.Outputs]), -Int8Limit, Int8Limit);
        return (values, scales);
    }
}
