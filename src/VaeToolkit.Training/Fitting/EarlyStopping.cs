using VaeToolkit.Configuration;

namespace VaeToolkit.Training.Fitting;

/// <summary>
/// Early stopping on validation NDCG@100 (<c>training.early_stopping_patience</c>, <c>early_stopping_min_delta</c>):
/// a validation improves when it beats the reference, the last improving validation's NDCG, by more than
/// min_delta; after patience validations in a row without one, training stops. Which weights are kept is
/// not its business: <see cref="BestWeightsKeeper"/> keeps the highest NDCG's epoch as always, so with a
/// min_delta the kept epoch may be a later, slightly better one than the reference's.
/// Its whole state follows from the validations so far, so a resumed run rebuilds it from the checkpoint's
/// epoch history (<see cref="Replay"/>) and stops at the same epoch as an uninterrupted one; a resumption may
/// therefore change the patience (or turn it off) like the epoch count.
/// </summary>
internal sealed class EarlyStopping(int? patience, double minDelta)
{
    /// <summary>The NDCG@100 of the last validation that counted as an improvement; -∞ before the first.</summary>
    public double Reference { get; private set; } = double.NegativeInfinity;

    /// <summary>Validations in a row since the last improvement.</summary>
    public int ValidationsWithoutImprovement { get; private set; }

    /// <summary>Whether training should stop now (never when patience is null).</summary>
    public bool ShouldStop => patience is int p && ValidationsWithoutImprovement >= p;

    /// <summary>Early stopping with <paramref name="training"/>'s settings, its state replayed from <paramref name="history"/>.</summary>
    public static EarlyStopping Replay(TrainingConfig training, IEnumerable<EpochRecord> history)
    {
        var stopping = new EarlyStopping(training.EarlyStoppingPatience, training.EarlyStoppingMinDelta);
        foreach (var record in history)
            if (record.ValidationNdcgAt100 is double ndcg) stopping.Observe(ndcg);
        return stopping;
    }

    /// <summary>Counts one validation's NDCG@100 (NaN never improves).</summary>
    public void Observe(double ndcg)
    {
        if (ndcg > Reference + minDelta)
        {
            Reference = ndcg;
            ValidationsWithoutImprovement = 0;
        }
        else
        {
            ValidationsWithoutImprovement++;
        }
    }

    /// <summary>Why training ended after <paramref name="lastEpoch"/>: early, when <see cref="ShouldStop"/>, else every epoch ran.</summary>
    public TrainingStop Outcome(int lastEpoch, int bestEpoch) => ShouldStop
        ? TrainingStop.Early(lastEpoch, patience!.Value, minDelta, Reference, bestEpoch)
        : TrainingStop.AllEpochs(lastEpoch);
}
