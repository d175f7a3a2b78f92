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
}
