namespace VaeToolkit.Serving.Benchmark;

/// <summary>One phase of <see cref="ServingBenchmark"/>: clients sending requests for a fixed time, with latency percentiles in milliseconds.</summary>
public sealed record LoadPhase
{
    public required string Name { get; init; }
    public required int Clients { get; init; }
    public required int UsersPerRequest { get; init; }
    public required double Seconds { get; init; }
    public required long Requests { get; init; }
    public required long Users { get; init; }
    public required long Errors { get; init; }
    public required double RequestsPerSecond { get; init; }
    public required double UsersPerSecond { get; init; }
    public required double P50Ms { get; init; }
    public required double P95Ms { get; init; }
    public required double P99Ms { get; init; }
    public required double MaxMs { get; init; }

    /// <summary>Users per ONNX Runtime call over the phase, after micro-batching.</summary>
    public required double MeanBatchUsers { get; init; }

    /// <summary>Models promoted during the phase, and how many of them the service was seen serving.</summary>
    public int Promotions { get; init; }

    public int ReloadsServed { get; init; }

    public IReadOnlyList<string> FirstErrors { get; init; } = [];

    /// <summary>Cores the service process used on average over the phase (its CPU time over the phase's time).</summary>
    public double ServiceCores { get; init; }

    /// <summary>Cores the load generator (this process) used meanwhile: on one machine it competes with the service.</summary>
    public double GeneratorCores { get; init; }

    /// <summary>The service's CPU time per user answered.</summary>
    public double ServiceCpuMsPerUser { get; init; }
}
