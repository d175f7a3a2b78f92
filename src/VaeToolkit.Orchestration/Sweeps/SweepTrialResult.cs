using VaeToolkit.Orchestration.Runs;

namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>
/// One row of a sweep's results: the trial, what the sweep did with it, and from its run's manifest the
/// best epoch, validation and test NDCG@100 and the training time summed over its sessions.
/// </summary>
public sealed record SweepTrialResult(
    SweepTrial Trial,
    string Status,
    string RunPath,
    int? BestEpoch = null,
    double? BestValidationNdcgAt100 = null,
    double? TestNdcgAt100 = null,
    double? Seconds = null,
    string? Error = null)
{
    /// <summary>1 for the best validation NDCG@100; trials without one come last, in plan order.</summary>
    public int Rank { get; init; }

    /// <summary>The trial with the best validation NDCG@100 of the sweep.</summary>
    public bool IsBest { get; init; }

    /// <summary>The row for a run folder whose manifest says how it went.</summary>
    public static SweepTrialResult FromManifest(SweepTrial trial, string status, string runPath, RunManifest manifest) =>
        new(trial, status, runPath, manifest.BestEpoch, manifest.BestValidationNdcgAt100, manifest.Test?.NdcgAt100,
            manifest.TimingsSeconds.TryGetValue("total", out double seconds) ? seconds : null,
            manifest.Status == RunStatus.Completed ? null : manifest.Error);
}
