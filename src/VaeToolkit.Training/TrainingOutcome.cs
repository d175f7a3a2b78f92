namespace VaeToolkit.Training;

/// <summary>The result of <see cref="Trainer.Fit"/>: every epoch's record and the best validation epoch.</summary>
public sealed record TrainingOutcome(IReadOnlyList<EpochRecord> History, int BestEpoch, double BestValidationNdcg, bool Resumed);
