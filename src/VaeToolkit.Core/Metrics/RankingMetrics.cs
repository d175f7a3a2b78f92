namespace VaeToolkit.Metrics;

/// <summary>
/// Top-k ranking metrics for one user with binary relevance, as in Liang et al. (2018).
/// <paramref name="ranked"/> is the model's list, best first; <paramref name="targets"/> are the
/// held-out items, sorted ascending and distinct (a <see cref="Data.CsrMatrix"/> row) and not empty.
/// </summary>
public static class RankingMetrics
{
    /// <summary>
    /// DCG@k over IDCG@k: a hit at 0-based rank r gains 1/log2(r + 2), and the ideal list puts
    /// min(#targets, k) hits first.
    /// </summary>
    public static double NdcgAtK(ReadOnlySpan<int> ranked, ReadOnlySpan<int> targets, int k)
    {
        CheckArguments(targets, k);
        double dcg = 0;
        int depth = Math.Min(k, ranked.Length);
        for (int r = 0; r < depth; r++)
            if (targets.BinarySearch(ranked[r]) >= 0) dcg += Discount(r);

        double idcg = 0;
        for (int r = 0; r < Math.Min(k, targets.Length); r++) idcg += Discount(r);
        return dcg / idcg;
    }

    /// <summary>Hits in the top k over min(k, #targets), so that a perfect list scores 1.</summary>
    public static double RecallAtK(ReadOnlySpan<int> ranked, ReadOnlySpan<int> targets, int k)
    {
        CheckArguments(targets, k);
        int hits = 0;
        int depth = Math.Min(k, ranked.Length);
        for (int r = 0; r < depth; r++)
            if (targets.BinarySearch(ranked[r]) >= 0) hits++;
        return (double)hits / Math.Min(k, targets.Length);
    }

    /// <summary>Hits in the top k over k: a list shorter than k counts its missing places as misses.</summary>
    public static double PrecisionAtK(ReadOnlySpan<int> ranked, ReadOnlySpan<int> targets, int k)
    {
        CheckArguments(targets, k);
        int hits = 0;
        int depth = Math.Min(k, ranked.Length);
        for (int r = 0; r < depth; r++)
            if (targets.BinarySearch(ranked[r]) >= 0) hits++;
        return (double)hits / k;
    }

    /// <summary>1 / (1-based rank of the first hit) within the top k, 0 when the top k has no hit; its mean over users is MRR@k.</summary>
    public static double ReciprocalRankAtK(ReadOnlySpan<int> ranked, ReadOnlySpan<int> targets, int k)
    {
        CheckArguments(targets, k);
        int depth = Math.Min(k, ranked.Length);
        for (int r = 0; r < depth; r++)
            if (targets.BinarySearch(ranked[r]) >= 0) return 1.0 / (r + 1);
        return 0;
    }

    /// <summary>
    /// Average precision at k, the common recommender-systems definition (RecBole's MAP): the sum of precision@r
    /// over the 1-based ranks r &lt;= k that hold a hit, divided by min(k, #targets), so that a perfect list scores 1
    /// (information retrieval's AP divides by #targets instead); its mean over users is MAP@k.
    /// </summary>
    public static double AveragePrecisionAtK(ReadOnlySpan<int> ranked, ReadOnlySpan<int> targets, int k)
    {
        CheckArguments(targets, k);
        double sum = 0;
        int hits = 0;
        int depth = Math.Min(k, ranked.Length);
        for (int r = 0; r < depth; r++)
        {
            if (targets.BinarySearch(ranked[r]) < 0) continue;
            hits++;
            sum += (double)hits / (r + 1);
        }
        return sum / Math.Min(k, targets.Length);
    }

    /// <summary>1 when the top k holds at least one target, else 0; its mean over users is the hit rate@k.</summary>
    public static double HitAtK(ReadOnlySpan<int> ranked, ReadOnlySpan<int> targets, int k) =>
        ReciprocalRankAtK(ranked, targets, k) > 0 ? 1 : 0;

    private static double Discount(int rank) => 1.0 / Math.Log2(rank + 2);

    private static void CheckArguments(ReadOnlySpan<int> targets, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (targets.IsEmpty)
            throw new ArgumentException("the metric is undefined for a user without targets; leave such users out of the average", nameof(targets));
        // Membership uses binary search: an unsorted row would silently miss hits.
        for (int i = 1; i < targets.Length; i++)
            if (targets[i] <= targets[i - 1])
                throw new ArgumentException("targets must be sorted ascending without duplicates", nameof(targets));
    }
}
