namespace VaeToolkit.Metrics;

/// <summary>The ranking metrics the evaluator can report, each at a cut-off k (<see cref="RankingMetric"/>).</summary>
public enum RankingMetricKind
{
    /// <summary><c>ndcg@k</c>: <see cref="RankingMetrics.NdcgAtK"/>.</summary>
    Ndcg,

    /// <summary><c>recall@k</c>: <see cref="RankingMetrics.RecallAtK"/>.</summary>
    Recall,

    /// <summary><c>precision@k</c>: <see cref="RankingMetrics.PrecisionAtK"/>.</summary>
    Precision,

    /// <summary><c>mrr@k</c>: the mean of <see cref="RankingMetrics.ReciprocalRankAtK"/>.</summary>
    Mrr,

    /// <summary><c>map@k</c>: the mean of <see cref="RankingMetrics.AveragePrecisionAtK"/>.</summary>
    Map,

    /// <summary><c>hit_rate@k</c>: the mean of <see cref="RankingMetrics.HitAtK"/>.</summary>
    HitRate,

    /// <summary><c>coverage@k</c>: distinct items in any user's top k over all items; an aggregate, not a per-user mean.</summary>
    Coverage,
}
