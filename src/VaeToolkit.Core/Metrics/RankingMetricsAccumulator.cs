namespace VaeToolkit.Metrics;

/// <summary>
/// The averages the toolkit reports (NDCG@100, Recall@20, Recall@50) over the users that have
/// targets; users without targets are skipped, as the metrics are undefined for them.
/// </summary>
public sealed class RankingMetricsAccumulator
{
    /// <summary>The longest list the metrics look at: rank this many items per user.</summary>
    public const int Depth = 100;

    private double ndcgAt100;
    private double recallAt20;
    private double recallAt50;

    /// <summary>Users added that had targets.</summary>
    public int Users { get; private set; }

    /// <summary>The means; NaN while no user with targets has been added.</summary>
    public double NdcgAt100 => Mean(ndcgAt100);

    public double RecallAt20 => Mean(recallAt20);

    public double RecallAt50 => Mean(recallAt50);

    public void Add(ReadOnlySpan<int> ranked, ReadOnlySpan<int> targets)
    {
        if (targets.IsEmpty) return;
        ndcgAt100 += RankingMetrics.NdcgAtK(ranked, targets, 100);
        recallAt20 += RankingMetrics.RecallAtK(ranked, targets, 20);
        recallAt50 += RankingMetrics.RecallAtK(ranked, targets, 50);
        Users++;
    }

    private double Mean(double sum) => Users == 0 ? double.NaN : sum / Users;
}
