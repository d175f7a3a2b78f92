namespace VaeToolkit.Metrics;

// TEMPORARY stand-in until the metrics branch lands.
public sealed class MetricAccumulator(int k)
{
    private double _sum;
    private int _users;

    public void Add(ReadOnlySpan<long> ranked, ReadOnlySpan<int> targets)
    {
        if (targets.Length == 0) return;
        var set = new HashSet<int>(targets.ToArray());
        double dcg = 0, idcg = 0;
        for (int r = 0; r < Math.Min(k, ranked.Length); r++)
            if (set.Contains((int)ranked[r])) dcg += 1 / Math.Log2(r + 2);
        for (int r = 0; r < Math.Min(k, targets.Length); r++) idcg += 1 / Math.Log2(r + 2);
        _sum += dcg / idcg;
        _users++;
    }

    public double NdcgAt(int _) => _users == 0 ? 0 : _sum / _users;
}
