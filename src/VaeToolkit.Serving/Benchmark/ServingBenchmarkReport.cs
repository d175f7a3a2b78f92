namespace VaeToolkit.Serving.Benchmark;

/// <summary>What <c>vaetoolkit benchmark-serve</c> prints.</summary>
public sealed record ServingBenchmarkReport
{
    public required string ModelPath { get; init; }
    public required int Items { get; init; }
    public required int Top { get; init; }
    public required int Threads { get; init; }

    /// <summary>The scoring engine alone on the same model, measured in the same run: users/s in batches of <see cref="EngineBatchSize"/>.</summary>
    public required int EngineBatchSize { get; init; }
    public required double EngineUsersPerSecond { get; init; }

    /// <summary>The engine's latency for a single user (batches of one), median and 99th percentile.</summary>
    public required double EngineSingleUserP50Ms { get; init; }
    public required double EngineSingleUserP99Ms { get; init; }

    public required IReadOnlyList<LoadPhase> Phases { get; init; }

    /// <summary>The busiest phase without promotions, its users/s over <see cref="EngineUsersPerSecond"/>.</summary>
    public required double ConcurrentToEngine { get; init; }
}
