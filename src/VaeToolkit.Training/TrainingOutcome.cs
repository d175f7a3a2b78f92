namespace VaeToolkit.Training;

/// <summary>The result of <see cref="Trainer.Fit"/>: every epoch's record, the best validation epoch and why training ended.</summary>
public sealed record TrainingOutcome(IReadOnlyList<EpochRecord> History, int BestEpoch, double BestValidationNdcg, bool Resumed)
{
    /// <summary>Why training ended; every epoch of <see cref="History"/> ran unless a trainer says otherwise.</summary>
    public TrainingStop Stop { get; init; } = TrainingStop.AllEpochs(History.Count > 0 ? History[^1].Epoch : 0);
}
