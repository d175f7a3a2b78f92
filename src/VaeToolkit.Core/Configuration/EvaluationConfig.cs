namespace VaeToolkit.Configuration;

/// <summary>How held-out users are scored.</summary>
public sealed record EvaluationConfig
{
    /// <summary>Users scored per ONNX Runtime call.</summary>
    public int BatchSize { get; init; } = 1000;
}
