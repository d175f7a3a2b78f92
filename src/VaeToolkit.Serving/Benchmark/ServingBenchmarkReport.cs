namespace VaeToolkit.Serving.Benchmark;

/// <summary>What <c>vaetoolkit benchmark-serve</c> prints.</summary>
public sealed record ServingBenchmarkReport
{
    public required string ModelPath { get; init; }
    public required int Items { get; init; }
    public required int Top { get; init; }
    public required int Threads { get; init; }

    /// <summary>Whether the service's ONNX Runtime threads spun between operators (the engine alone always spins).</summary>
    public required bool SpinWait { get; init; }

    /// <summary>The service's ONNX Runtime threads as asked (0: every core, as <see cref="Threads"/> counts them).</summary>
    public int ServiceThreads { get; init; }

    /// <summary>The scoring engine alone on the same model, measured in the same run: users/s in batches of <see cref="EngineBatchSize"/>.</summary>
    public required int EngineBatchSize { get; init; }
    public required double EngineUsersPerSecond { get; init; }

    /// <summary>
    /// The engine alone in batches of the most clients (<see cref="EngineClientsBatchSize"/>): the largest call that
    /// clients sending one user per request can make, so the ceiling of their throughput with HTTP free and every core the engine's.
    /// </summary>
    public required int EngineClientsBatchSize { get; init; }
    public required double EngineClientsBatchUsersPerSecond { get; init; }

    /// <summary>The engine's latency for a single user (batches of one), median and 99th percentile.</summary>
    public required double EngineSingleUserP50Ms { get; init; }
    public required double EngineSingleUserP99Ms { get; init; }

    public required IReadOnlyList<LoadPhase> Phases { get; init; }

    /// <summary>The busiest phase of one user per request without promotions, its users/s over <see cref="EngineUsersPerSecond"/>.</summary>
    public required double ConcurrentToEngine { get; init; }

    /// <summary>The same phase's users/s over <see cref="EngineClientsBatchUsersPerSecond"/>: what HTTP, JSON and sharing the cores with the load generator leave.</summary>
    public required double ConcurrentToEngineAtClientsBatch { get; init; }

    /// <summary>The batch-form phase's users/s over <see cref="EngineUsersPerSecond"/> (0 when it did not run).</summary>
    public double BatchFormToEngine { get; init; }
}
