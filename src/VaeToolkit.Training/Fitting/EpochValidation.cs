using System.Diagnostics;

namespace VaeToolkit.Training.Fitting;

/// <summary>
/// The validation an epoch of an iterative model may end with: every <c>validation_step</c> epochs and at the
/// last epoch, its NDCG@100 offered to the best weights and to early stopping. Empty when the epoch does not validate.
/// </summary>
internal readonly record struct EpochValidation(double? Ndcg, double? Seconds, IReadOnlyDictionary<string, double>? PhaseSeconds)
{
    public static EpochValidation RunIfDue(int epoch, int lastEpoch, int validationStep,
        Func<(double Ndcg, IReadOnlyDictionary<string, double> PhaseSeconds)> validate, BestWeightsKeeper best, EarlyStopping stopping)
    {
        if (epoch % validationStep != 0 && epoch != lastEpoch) return default;
        var watch = Stopwatch.StartNew();
        var (ndcg, phaseSeconds) = validate();
        double seconds = watch.Elapsed.TotalSeconds;
        best.Offer(epoch, ndcg);
        stopping.Observe(ndcg);
        return new EpochValidation(ndcg, seconds, phaseSeconds);
    }
}
