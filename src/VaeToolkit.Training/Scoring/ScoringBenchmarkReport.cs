namespace VaeToolkit.Training.Scoring;

/// <summary>
/// What <see cref="ScoringBenchmark"/> measured: the ONNX Runtime engine's users per second and, in the same
/// run on the same users and weights, the dense libtorch baseline's, their ratio, and how often the two
/// agree on a user's top-k items.
/// </summary>
public sealed record ScoringBenchmarkReport
{
    public required string ModelPath { get; init; }

    public required string Device { get; init; }

    public int Threads { get; init; }

    public int Items { get; init; }

    public int Users { get; init; }

    public int Top { get; init; }

    public int BatchSize { get; init; }

    public double EngineSeconds { get; init; }

    public double EngineUsersPerSecond { get; init; }

    public double BaselineSeconds { get; init; }

    public double BaselineUsersPerSecond { get; init; }

    /// <summary>Engine users/s over baseline users/s: above 1, the engine is the faster.</summary>
    public double EngineToBaseline { get; init; }

    /// <summary>The share of users for whom both returned the same set of top-k items (ties aside, 1).</summary>
    public double TopKAgreement { get; init; }
}
