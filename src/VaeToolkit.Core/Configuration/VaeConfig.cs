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

    public DataConfig Data { get; init; } = new();

    public ModelConfig Model { get; init; } = new();

    public TrainingConfig Training { get; init; } = new();

    public EvaluationConfig Evaluation { get; init; } = new();
}
