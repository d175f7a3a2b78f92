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
    /// <summary>EASE fitted on the model's training users and scored on the same test users; null when not fitted (<see cref="EaseBaselineNote"/> says why).</summary>
    public BaselineReport? EaseBaseline { get; init; }

    /// <summary>Why there is no <see cref="EaseBaseline"/>, when it was not skipped on request.</summary>
    public string? EaseBaselineNote { get; init; }
}
