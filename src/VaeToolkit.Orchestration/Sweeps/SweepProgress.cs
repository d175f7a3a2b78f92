using VaeToolkit.Training;

namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>A sweep's progress: a running trial's training progress, or a trial that has just ended.</summary>
public sealed record SweepProgress(SweepTrial Trial, int TrialsDone, int Trials, TrainingProgress? Training = null, SweepTrialResult? Finished = null);
