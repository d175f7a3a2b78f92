using VaeToolkit.Orchestration.Sweeps;

namespace VaeToolkit.PowerShell;

/// <summary>
/// One trial of Invoke-VaeSweep, in rank order (best validation NDCG@100 first, <see cref="IsBest"/> on the first):
/// its settings, what the sweep did with it, its scores and its run folder (which binds by property name into Test-VaeModel).
/// </summary>
public sealed record VaeSweepTrial(
    int Rank,
    bool IsBest,
    string Name,
    string Status,
    IReadOnlyDictionary<string, string> Settings,
    int? BestEpoch,
    double? ValidationNdcgAt100,
    double? TestNdcgAt100,
    TimeSpan? Duration,
    string RunPath,
    string ModelPath,
    string? Error)
{
    internal static VaeSweepTrial From(SweepTrialResult r) =>
        new(r.Rank, r.IsBest, r.Trial.Name, r.Status, r.Trial.Settings.ToDictionary(s => s.Key, s => s.Value),
            r.BestEpoch, r.BestValidationNdcgAt100, r.TestNdcgAt100, r.Seconds is double seconds ? TimeSpan.FromSeconds(seconds) : null,
            r.RunPath, Path.Combine(r.RunPath, VaeToolkit.Runs.RunFiles.ModelFolder), r.Error);
}
