namespace VaeToolkit.Inference;

/// <summary>
/// Held-out ranking quality of a model and of the popularity baseline (training popularity, the
/// user's fold-in items left out), averaged over the <see cref="Users"/> that have target items; with an
/// EASE baseline beside them when one was fitted (<see cref="EaseBaseline"/>).
/// </summary>
public sealed record EvaluationReport(
    int Users,
    double NdcgAt100,
    double RecallAt20,
    double RecallAt50,
    double PopularityNdcgAt100,
    double PopularityRecallAt20,
    double PopularityRecallAt50,
    string ModelPath)
{
    /// <summary>
    /// The selected metrics (<c>evaluation.metrics</c>, <c>-Metric</c>, <c>--metric</c>) by name, in the order selected,
    /// such as <c>precision@10</c>; null in manifests written before metrics could be selected.
    /// </summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>The same metrics for the popularity baseline.</summary>
    public IReadOnlyDictionary<string, double>? PopularityMetrics { get; init; }

    /// <summary>EASE fitted on the model's training users and scored on the same test users; null when not fitted (<see cref="EaseBaselineNote"/> says why).</summary>
    public BaselineReport? EaseBaseline { get; init; }

    /// <summary>Why there is no <see cref="EaseBaseline"/>, when it was not skipped on request.</summary>
    public string? EaseBaselineNote { get; init; }

    // Two evaluations of the same model and users are equal, their metric dictionaries compared by value.
    public bool Equals(EvaluationReport? other) =>
        other is not null && Users == other.Users && NdcgAt100.Equals(other.NdcgAt100) && RecallAt20.Equals(other.RecallAt20)
        && RecallAt50.Equals(other.RecallAt50) && PopularityNdcgAt100.Equals(other.PopularityNdcgAt100)
        && PopularityRecallAt20.Equals(other.PopularityRecallAt20) && PopularityRecallAt50.Equals(other.PopularityRecallAt50)
        && ModelPath == other.ModelPath && ReportEquality.SameValues(Metrics, other.Metrics)
        && ReportEquality.SameValues(PopularityMetrics, other.PopularityMetrics)
        && Equals(EaseBaseline, other.EaseBaseline) && EaseBaselineNote == other.EaseBaselineNote;

    public override int GetHashCode() => HashCode.Combine(Users, NdcgAt100, RecallAt20, RecallAt50, ModelPath);
}
