using VaeToolkit.Inference;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Test-VaeModel's result: the model's ranking quality on its test users, scored by ONNX Runtime, next
/// to the popularity baseline. <see cref="Path"/> is the model directory.
/// </summary>
public sealed record VaeModelEvaluation(
    string Path,
    int Users,
    double NdcgAt100,
    double RecallAt20,
    double RecallAt50,
    double PopularityNdcgAt100,
    double PopularityRecallAt20,
    double PopularityRecallAt50)
{
    internal static VaeModelEvaluation From(EvaluationReport r) =>
        new(r.ModelPath, r.Users, r.NdcgAt100, r.RecallAt20, r.RecallAt50, r.PopularityNdcgAt100, r.PopularityRecallAt20, r.PopularityRecallAt50);
}
