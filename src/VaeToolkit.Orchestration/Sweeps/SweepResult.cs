namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>A sweep's results: its trials ranked by validation NDCG@100, best first.</summary>
public sealed record SweepResult(string Directory, SweepPlan Plan, IReadOnlyList<SweepTrialResult> Trials)
{
    /// <summary>The trial with the best validation NDCG@100, or null when none has one.</summary>
    public SweepTrialResult? Best => Trials.FirstOrDefault(trial => trial.IsBest);

    /// <summary>Ranks the rows: best validation NDCG@100 first, ties and trials without a score in plan order.</summary>
    public static SweepResult Ranked(string directory, SweepPlan plan, IEnumerable<SweepTrialResult> rows)
    {
        var ordered = rows
            .OrderBy(row => row.BestValidationNdcgAt100 is null)
            .ThenByDescending(row => row.BestValidationNdcgAt100 ?? 0)
            .ThenBy(row => row.Trial.Index)
            .Select((row, i) => row with { Rank = i + 1, IsBest = i == 0 && row.BestValidationNdcgAt100 is not null })
            .ToList();
        return new SweepResult(directory, plan, ordered);
    }
}
