namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>A setting a random search draws from [Min, Max], evenly or on a log scale.</summary>
/// <param name="Integer">Draw whole numbers (batch sizes, widths), both bounds included.</param>
public sealed record SweepRange(string Key, double Min, double Max, SweepScale Scale = SweepScale.Linear, bool Integer = false) : SweepDimension(Key);
