namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>A setting that takes each of a list of values: every one in a grid, one drawn at random in a random search.</summary>
/// <param name="Values">Override values as <c>-Set</c> writes them (<c>0.01</c>, <c>dae</c>, <c>[600, 200]</c>).</param>
public sealed record SweepChoice(string Key, IReadOnlyList<string> Values) : SweepDimension(Key);
