namespace VaeToolkit.Configuration;

/// <summary>
/// The values <c>export.precision</c> accepts: how the exported graphs store their weights. Training is
/// unaffected; scoring always computes in float32 except where <see cref="Int8"/> says otherwise.
/// </summary>
public static class ExportPrecisions
{
    /// <summary>Every weight in float32: the graphs as the trainer holds the model (the default).</summary>
    public const string Fp32 = "fp32";

    /// <summary>The weight matrices stored as float16 and cast to float32 when ONNX Runtime loads the graph: half the file, the same speed.</summary>
    public const string Fp16 = "fp16";

    /// <summary>As <see cref="Fp16"/> with bfloat16 (float32's range, 8 significant bits).</summary>
    public const string Bf16 = "bf16";

    /// <summary>
    /// The decoder's output layer as int8 weights with a scale per output column, its input quantised
    /// dynamically (per batch) to uint8: an integer matrix product. Everything else stays float32.
    /// </summary>
    public const string Int8 = "int8";

    public static readonly string[] All = [Fp32, Fp16, Bf16, Int8];
}
