using VaeToolkit.Inference;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Test-VaeModel's result: the model's ranking quality on its test users, scored by ONNX Runtime, next
/// to the popularity baseline and an EASE baseline fitted on the same training users (null where none was
/// fitted; <see cref="EaseNote"/> says why). <see cref="Path"/> is the model directory.
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
    public double? EaseNdcgAt100 { get; init; }

    public double? EaseRecallAt20 { get; init; }

    public double? EaseRecallAt50 { get; init; }

    /// <summary>The λ the EASE baseline picked on the validation users.</summary>
    public double? EaseLambda { get; init; }

    /// <summary>Why there is no EASE baseline, unless it was skipped on request (-NoBaseline).</summary>
    public string? EaseNote { get; init; }

    /// <summary>The selected metrics (-Metric, else the run's evaluation.metrics) by name, in order: <c>$e.Metrics['precision@10']</c>.</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>The same metrics for the popularity baseline.</summary>
    public IReadOnlyDictionary<string, double>? PopularityMetrics { get; init; }

    /// <summary>The same metrics for the EASE baseline; null where none was fitted.</summary>
    public IReadOnlyDictionary<string, double>? EaseMetrics { get; init; }

    internal static VaeModelEvaluation From(EvaluationReport r) =>
        new(r.ModelPath, r.Users, r.NdcgAt100, r.RecallAt20, r.RecallAt50, r.PopularityNdcgAt100, r.PopularityRecallAt20, r.PopularityRecallAt50)
        {
            EaseNdcgAt100 = r.EaseBaseline?.NdcgAt100,
            EaseRecallAt20 = r.EaseBaseline?.RecallAt20,
            EaseRecallAt50 = r.EaseBaseline?.RecallAt50,
            EaseLambda = r.EaseBaseline?.Settings?.GetValueOrDefault("lambda"),
            EaseNote = r.EaseBaselineNote,
            Metrics = r.Metrics,
            PopularityMetrics = r.PopularityMetrics,
            EaseMetrics = r.EaseBaseline?.Metrics,
        };
}
