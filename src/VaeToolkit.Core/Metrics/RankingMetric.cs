using System.Globalization;

namespace VaeToolkit.Metrics;

/// <summary>
/// One metric at one cut-off, named as in configs and on command lines: <c>ndcg@100</c>, <c>recall@20</c>,
/// <c>precision@10</c>, <c>mrr@100</c>, <c>map@100</c>, <c>hit_rate@10</c>, <c>coverage@100</c>.
/// </summary>
public sealed record RankingMetric
{
    /// <summary>What the evaluator reports when nothing is selected: NDCG@100, Recall@20 and Recall@50.</summary>
    public static readonly IReadOnlyList<RankingMetric> Defaults =
        [new(RankingMetricKind.Ndcg, 100), new(RankingMetricKind.Recall, 20), new(RankingMetricKind.Recall, 50)];

    private static readonly (RankingMetricKind Kind, string Name)[] Names =
    [
        (RankingMetricKind.Ndcg, "ndcg"), (RankingMetricKind.Recall, "recall"), (RankingMetricKind.Precision, "precision"),
        (RankingMetricKind.Mrr, "mrr"), (RankingMetricKind.Map, "map"), (RankingMetricKind.HitRate, "hit_rate"),
        (RankingMetricKind.Coverage, "coverage"),
    ];

    /// <param name="k">The cut-off: from 1 to <see cref="RankingMetricsAccumulator.Depth"/>, the length of the lists the evaluator ranks.</param>
    public RankingMetric(RankingMetricKind kind, int k)
    {
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a ranking metric");
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, RankingMetricsAccumulator.Depth);
        Kind = kind;
        K = k;
    }

    public RankingMetricKind Kind { get; }

    public int K { get; }

    /// <summary>The name with its cut-off, lower case: <c>hit_rate@10</c>.</summary>
    public string Name => $"{Names.First(n => n.Kind == Kind).Name}@{K.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The metric names without their cut-off, as they are written: <c>ndcg</c>, <c>recall</c>, ...</summary>
    public static IReadOnlyList<string> KnownNames { get; } = [.. Names.Select(n => n.Name)];

    /// <summary>What a name may be, for error messages.</summary>
    public static string Expectation =>
        $"one of {string.Join(", ", KnownNames.Select(n => n + "@k"))} with k from 1 to {RankingMetricsAccumulator.Depth} (the evaluator ranks {RankingMetricsAccumulator.Depth} items per user), such as ndcg@100 or precision@10";

    public override string ToString() => Name;

    /// <summary>Parses <c>name@k</c> (case and surrounding spaces ignored).</summary>
    /// <exception cref="FormatException">The name is unknown or malformed, or k is out of range; the message lists the known names.</exception>
    public static RankingMetric Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        int at = trimmed.IndexOf('@');
        if (at < 0)
            throw new FormatException($"'{text}' is not a metric: give a cut-off, such as {trimmed.ToLowerInvariant()}@10; a metric is {Expectation}");
        string name = trimmed[..at];
        var known = Names.Where(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (known.Length == 0)
            throw new FormatException($"unknown metric '{text}': a metric is {Expectation}");
        string digits = trimmed[(at + 1)..];
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit) || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int k))
            throw new FormatException($"'{text}' has no whole number after '@': a metric is {Expectation}");
        if (k < 1 || k > RankingMetricsAccumulator.Depth)
            throw new FormatException($"'{text}': k must be from 1 to {RankingMetricsAccumulator.Depth}, the number of items the evaluator ranks per user");
        return new RankingMetric(known[0].Kind, k);
    }

    /// <summary>
    /// Parses names given one by one or separated by commas (<c>--metric precision@10,mrr@100</c>), in their order.
    /// </summary>
    /// <exception cref="FormatException">A name is unknown or malformed, or named twice.</exception>
    public static IReadOnlyList<RankingMetric> ParseList(IEnumerable<string> texts)
    {
        var metrics = new List<RankingMetric>();
        foreach (string text in texts.SelectMany(t => t.Split(',')))
        {
            var metric = Parse(text);
            if (metrics.Contains(metric)) throw new FormatException($"the metric {metric.Name} is named twice");
            metrics.Add(metric);
        }
        if (metrics.Count == 0) throw new FormatException($"no metric given: a metric is {Expectation}");
        return metrics;
    }
}
