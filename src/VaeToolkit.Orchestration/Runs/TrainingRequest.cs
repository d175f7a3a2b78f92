using VaeToolkit.Configuration;

namespace VaeToolkit.Orchestration.Runs;

/// <summary>What to train and where: the config, the run directory, and whether to resume it.</summary>
/// <param name="IsDefaultDirectory">The directory is <see cref="TrainingJob.DefaultRunDirectory"/>'s choice: when another
/// run takes it first (started in the same second), the run goes on to the next free name (-2, -3, ...) instead of failing.</param>
public sealed record TrainingRequest(VaeConfig Config, string RunDirectory, bool Resume = false, bool IsDefaultDirectory = false);
