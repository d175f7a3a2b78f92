namespace VaeToolkit.Metrics;

/// <summary>
/// The averages the toolkit reports over the users that have targets; users without targets are skipped, as the
/// metrics are undefined for them. NDCG@100, Recall@20 and Recall@50 are always computed; <see cref="Metrics"/>
/// holds the selected metrics, among them catalogue coverage@k, which is not a mean: the share of all items that
/// appear in the top k of at least one of those users.
/// </summary>
public sealed class RankingMetricsAccumulator
{
    /// <summary>The longest list the metrics look at: rank this many items per user.</summary>
    public const int Depth = 100;

    private readonly IReadOnlyList<RankingMetric> _selected;
    private readonly double[] _sums;
    private readonly int _itemCount;

    // Coverage: the best 0-based rank at which each item appeared in any user's list (int.MaxValue: never),
    // so that every coverage@k is the count of items below k. Null when no coverage metric is selected.
    private readonly int[]? _bestRank;
    private readonly int _coverageDepth;

    private double ndcgAt100;
    private double recallAt20;
    private double recallAt50;

    /// <summary>Today's three metrics (<see cref="RankingMetric.Defaults"/>).</summary>
    public RankingMetricsAccumulator() : this(RankingMetric.Defaults, itemCount: 0)
    {
    }

    /// <param name="metrics">The metrics for <see cref="Metrics"/>, in order, each once.</param>
    /// <param name="itemCount">The number of items in the catalogue: coverage's denominator (needed only for coverage).</param>
    public RankingMetricsAccumulator(IReadOnlyList<RankingMetric> metrics, int itemCount)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (metrics.Distinct().Count() != metrics.Count)
            throw new ArgumentException("each metric may be selected once", nameof(metrics));
        _selected = [.. metrics];
        _sums = new double[_selected.Count];
        _coverageDepth = _selected.Where(m => m.Kind == RankingMetricKind.Coverage).Select(m => m.K).DefaultIfEmpty(0).Max();
        if (_coverageDepth > 0)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(itemCount, 1);
            _itemCount = itemCount;
            _bestRank = new int[itemCount];
            Array.Fill(_bestRank, int.MaxValue);
        }
    }

    /// <summary>The metrics <see cref="Metrics"/> reports, in order.</summary>
    public IReadOnlyList<RankingMetric> Selected => _selected;

    /// <summary>Users added that had targets.</summary>
    public int Users { get; private set; }

    /// <summary>The means; NaN while no user with targets has been added.</summary>
    public double NdcgAt100 => Mean(ndcgAt100);

    public double RecallAt20 => Mean(recallAt20);

    public double RecallAt50 => Mean(recallAt50);

    /// <summary>The selected metrics by name (<c>precision@10</c>), in the order selected; NaN while no user with targets has been added.</summary>
    public IReadOnlyDictionary<string, double> Metrics
    {
        get
        {
            var values = new OrderedDictionary<string, double>(_selected.Count, StringComparer.Ordinal);
            for (int i = 0; i < _selected.Count; i++)
                values.Add(_selected[i].Name, _selected[i].Kind == RankingMetricKind.Coverage ? Coverage(_selected[i].K) : Mean(_sums[i]));
            return values;
        }
    }

    public void Add(ReadOnlySpan<int> ranked, ReadOnlySpan<int> targets)
    {
        if (targets.IsEmpty) return;
        // Every check (the catalogue here, the targets in the first metric) comes before any sum changes.
        int coverageDepth = Math.Min(_coverageDepth, ranked.Length);
        for (int r = 0; r < coverageDepth; r++)
            if ((uint)ranked[r] >= (uint)_itemCount)
                throw new ArgumentOutOfRangeException(nameof(ranked), ranked[r], $"item {ranked[r]} at rank {r + 1} is outside the catalogue of {_itemCount} items");
        double ndcg100 = RankingMetrics.NdcgAtK(ranked, targets, 100);
        double recall20 = RankingMetrics.RecallAtK(ranked, targets, 20);
        double recall50 = RankingMetrics.RecallAtK(ranked, targets, 50);
        ndcgAt100 += ndcg100;
        recallAt20 += recall20;
        recallAt50 += recall50;
        for (int i = 0; i < _selected.Count; i++)
        {
            var metric = _selected[i];
            _sums[i] += metric switch
            {
                // The three always computed above are selected by default: not computed twice.
                { Kind: RankingMetricKind.Ndcg, K: 100 } => ndcg100,
                { Kind: RankingMetricKind.Recall, K: 20 } => recall20,
                { Kind: RankingMetricKind.Recall, K: 50 } => recall50,
                { Kind: RankingMetricKind.Ndcg } => RankingMetrics.NdcgAtK(ranked, targets, metric.K),
                { Kind: RankingMetricKind.Recall } => RankingMetrics.RecallAtK(ranked, targets, metric.K),
                { Kind: RankingMetricKind.Precision } => RankingMetrics.PrecisionAtK(ranked, targets, metric.K),
                { Kind: RankingMetricKind.Mrr } => RankingMetrics.ReciprocalRankAtK(ranked, targets, metric.K),
                { Kind: RankingMetricKind.Map } => RankingMetrics.AveragePrecisionAtK(ranked, targets, metric.K),
                { Kind: RankingMetricKind.HitRate } => RankingMetrics.HitAtK(ranked, targets, metric.K),
                _ => 0, // coverage: counted below, over the whole catalogue
            };
        }
        for (int r = 0; r < coverageDepth; r++)
            _bestRank![ranked[r]] = Math.Min(_bestRank[ranked[r]], r);
        Users++;
    }

    private double Coverage(int k)
    {
        if (Users == 0) return double.NaN;
        int covered = 0;
        foreach (int rank in _bestRank!)
            if (rank < k) covered++;
        return (double)covered / _itemCount;
    }

    private double Mean(double sum) => Users == 0 ? double.NaN : sum / Users;
}
