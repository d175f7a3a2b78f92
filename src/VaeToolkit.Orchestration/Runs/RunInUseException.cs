namespace VaeToolkit.Orchestration.Runs;

/// <summary>Another training holds the run directory (its lock), so this one may not write there.</summary>
public sealed class RunInUseException(string directory, RunOwner? owner)
    : IOException($"'{directory}' is in use by another training ({(owner is null ? "its owner has not recorded itself yet" : owner.ToString())}); wait for it to end or choose another output path")
{
    public string Directory { get; } = directory;

    public RunOwner? Owner { get; } = owner;
}
