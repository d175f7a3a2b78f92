using VaeToolkit.Orchestration.Runs;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Compare-VaeModel's result, one per run, best NDCG@100 first (<see cref="Rank"/> 1): the test scores the
/// run recorded, its training time, model size and type, and the data and popularity baseline the runs share.
/// <see cref="RunPath"/> is the run directory (the model directory for a model without a run).
/// </summary>
public sealed record VaeComparedRun(
    int Rank,
    string Name,
    string ModelType,
    double NdcgAt100,
    double RecallAt20,
    double RecallAt50,
    int? BestEpoch,
    int? Epochs,
    TimeSpan? TrainingTime,
    TimeSpan? TotalTime,
    long ModelBytes,
    string Precision,
    string? Status,
    string Dataset,
    string DataHash,
    int Items,
    int TestUsers,
    int EvaluatedUsers,
    double PopularityNdcgAt100,
    double PopularityRecallAt20,
    double PopularityRecallAt50,
    double? BestValidationNdcgAt100,
    string? Device,
    string TestSource,
    string RunPath,
    string ModelPath)
{
    internal static VaeComparedRun From(ComparedRun r, int rank) => new(
        rank, r.Name, r.ModelType, r.NdcgAt100, r.RecallAt20, r.RecallAt50, r.BestEpoch, r.Epochs,
        Duration(r.TrainSeconds), Duration(r.TotalSeconds), r.ModelBytes, r.Precision, r.Status, r.Dataset, r.DataHash, r.Items, r.TestUsers,
        r.EvaluatedUsers, r.PopularityNdcgAt100, r.PopularityRecallAt20, r.PopularityRecallAt50, r.BestValidationNdcgAt100, r.Device,
        r.TestSource, r.Path, r.ModelPath);

    private static TimeSpan? Duration(double? seconds) => seconds is double s ? TimeSpan.FromSeconds(s) : null;
}
