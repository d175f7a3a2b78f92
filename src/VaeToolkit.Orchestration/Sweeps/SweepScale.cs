namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>How a random search draws from a range: evenly, or evenly in the logarithm (learning rates, penalties).</summary>
public enum SweepScale
{
    Linear,
    Log,
}
