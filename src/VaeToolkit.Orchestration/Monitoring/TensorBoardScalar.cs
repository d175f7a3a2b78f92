namespace VaeToolkit.Orchestration.Monitoring;

/// <summary>One scalar of a TensorBoard event file: its tag, step (the epoch) and value.</summary>
public sealed record TensorBoardScalar(string Tag, long Step, float Value);
