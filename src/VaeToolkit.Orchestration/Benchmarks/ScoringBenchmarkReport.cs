namespace VaeToolkit.Orchestration.Benchmarks;

/// <summary>
/// What <see cref="ScoringBenchmark"/> measured: the ONNX Runtime engine's users per second and, in the same
/// run on the same users and weights, libtorch's on the trainer's validation path and with a dense input
/// (the baseline), the ratios, and how often they agree on a user's top-k items; the engine through IOBinding where asked.
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

    public double ValidationPathSeconds { get; init; }

    public double ValidationPathUsersPerSecond { get; init; }

    /// <summary>Engine users/s over the validation path's: above 1, the engine is the faster.</summary>
    public double EngineToValidationPath { get; init; }

    public double BaselineSeconds { get; init; }

    public double BaselineUsersPerSecond { get; init; }

    /// <summary>Engine users/s over baseline users/s: above 1, the engine is the faster.</summary>
    public double EngineToBaseline { get; init; }

    /// <summary>The engine's seconds through IOBinding; null unless it was asked for.</summary>
    public double? IoBindingSeconds { get; init; }

    public double? IoBindingUsersPerSecond { get; init; }

    /// <summary>Users/s through IOBinding over the plain engine's: above 1, IOBinding is the faster.</summary>
    public double? IoBindingToEngine { get; init; }

    /// <summary>The share of users for whom every engine returned the same set of top-k items as the plain engine (ties aside, 1), the lowest pairing.</summary>
    public double TopKAgreement { get; init; }
}
