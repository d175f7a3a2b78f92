namespace VaeToolkit.Inference;

/// <summary>
/// Held-out ranking quality of a model and of the popularity baseline (training popularity, the
/// user's fold-in items left out), averaged over the <see cref="Users"/> that have target items.
/// </summary>
public sealed record EvaluationReport(
    int Users,
    double NdcgAt100,
    double RecallAt20,
    double RecallAt50,
    double PopularityNdcgAt100,
    double PopularityRecallAt20,
    double PopularityRecallAt50,
    string ModelPath);
