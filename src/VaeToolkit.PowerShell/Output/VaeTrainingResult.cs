using VaeToolkit.Orchestration.Runs;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Invoke-VaeTraining's result: the run directory and its model directory (both bind by property name
/// into Test-VaeModel), how training went, and the exported model's scores on the test users.
/// </summary>
public sealed record VaeTrainingResult(
    string RunPath,
    string ModelPath,
    string Dataset,
    int Epochs,
    int BestEpoch,
    double BestValidationNdcgAt100,
    int Users,
    double NdcgAt100,
    double RecallAt20,
    double RecallAt50,
    double PopularityNdcgAt100,
    double PopularityRecallAt20,
    double PopularityRecallAt50,
    TimeSpan Duration)
{
    /// <summary>Why training ended: <c>completed</c> (every epoch ran) or <c>early_stopping</c>.</summary>
    public string StopReason { get; init; } = "completed";

    /// <summary>The same as a sentence: the last epoch, and for early stopping the patience and the epoch kept.</summary>
    public string StopDescription { get; init; } = "";

    internal static VaeTrainingResult From(TrainingRunResult r) =>
        new(r.RunPath, r.ModelPath, r.Dataset, r.Epochs, r.BestEpoch, r.BestValidationNdcgAt100, r.Test.Users,
            r.Test.NdcgAt100, r.Test.RecallAt20, r.Test.RecallAt50,
            r.Test.PopularityNdcgAt100, r.Test.PopularityRecallAt20, r.Test.PopularityRecallAt50, r.Duration)
        {
            StopReason = r.StopReason,
            StopDescription = r.StopDescription,
        };
}
