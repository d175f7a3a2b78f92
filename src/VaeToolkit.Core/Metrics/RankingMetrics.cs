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
