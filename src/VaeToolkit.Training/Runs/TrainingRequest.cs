using VaeToolkit.Configuration;

namespace VaeToolkit.Training.Runs;

/// <summary>What to train and where: the config, the run directory, and whether to resume it.</summary>
public sealed record TrainingRequest(VaeConfig Config, string RunDirectory, bool Resume = false);
