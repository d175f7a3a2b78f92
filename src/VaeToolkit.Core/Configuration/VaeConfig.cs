namespace VaeToolkit.Configuration;

/// <summary>A whole experiment: where the data comes from, the model, how it trains and is evaluated.</summary>
public sealed record VaeConfig
{
    /// <summary>The YAML file this config was read from, if any.</summary>
    public string? SourcePath { get; init; }

    /// <summary>Seeds the user shuffle, the held-out splits, weight initialisation, dropout and sampling.</summary>
    public int Seed { get; init; } = 98765;

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>; used for training and for ONNX Runtime scoring.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// Replicas for data-parallel training: one per GPU (cuda:0..N-1) with gradients all-reduced over
    /// NCCL; on <c>cpu</c>, N in-process replicas (slower, for checking the maths).
    /// </summary>
    public int Gpus { get; init; } = 1;

    /// <summary>
    /// <c>fp32</c>, <c>tf32</c> (fp32 with TensorFloat-32 matrix products on CUDA), <c>bf16</c> or
    /// <c>fp16</c> (linear layers in half precision over fp32 master weights; fp16 adds dynamic loss scaling).
    /// </summary>
    public string Precision { get; init; } = "fp32";

    public DataConfig Data { get; init; } = new();

    public ModelConfig Model { get; init; } = new();

    public TrainingConfig Training { get; init; } = new();

    public EvaluationConfig Evaluation { get; init; } = new();

    /// <summary>How the model is exported to ONNX; changes nothing in training, so a resumed run may change it.</summary>
    public ExportConfig Export { get; init; } = new();
}
