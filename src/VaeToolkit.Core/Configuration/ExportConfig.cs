namespace VaeToolkit.Configuration;

/// <summary>How the trained model is written to ONNX.</summary>
public sealed record ExportConfig
{
    /// <summary><c>fp32</c>, <c>fp16</c>, <c>bf16</c> or <c>int8</c> (see <see cref="ExportPrecisions"/>).</summary>
    public string Precision { get; init; } = ExportPrecisions.Fp32;
}
