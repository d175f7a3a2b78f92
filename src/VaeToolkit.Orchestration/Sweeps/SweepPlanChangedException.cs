namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>
/// A sweep folder already holds another plan (other trials, settings, or base config): its trials' run
/// folders would no longer match their names, so the sweep is refused rather than mixed.
/// </summary>
public sealed class SweepPlanChangedException(string directory, string difference)
    : InvalidOperationException($"{directory} holds a sweep with another plan ({difference}): re-run it with the same config, settings and -Seed to resume it, or sweep into a new folder")
{
    public string Directory { get; } = directory;
}
