using VaeToolkit.Metrics;

namespace VaeToolkit.Configuration;

/// <summary>How held-out users are scored.</summary>
public sealed record EvaluationConfig
{
    /// <summary>Users scored per ONNX Runtime call.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>
    /// <c>evaluation.metrics</c>: what the test evaluation reports by name, in this order (NDCG@100, Recall@20 and
    /// Recall@50 are reported as ever besides). Not part of what a checkpoint must share: the weights do not depend on it.
    /// </summary>
    public IReadOnlyList<RankingMetric> Metrics { get; init; } = RankingMetric.Defaults;

    // Value equality for the list too, so that a config equals itself read back from its YAML.
    public bool Equals(EvaluationConfig? other) =>
        other is not null && BatchSize == other.BatchSize && Metrics.SequenceEqual(other.Metrics);

    public override int GetHashCode() => HashCode.Combine(BatchSize, Metrics.Count);
}
