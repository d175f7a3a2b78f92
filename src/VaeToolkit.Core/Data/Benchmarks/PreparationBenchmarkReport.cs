namespace VaeToolkit.Data.Benchmarks;

/// <summary>
/// Figures of one data preparation benchmark: a preparation from scratch (per stage, rows per second,
/// peak memory of the process) and a second preparation from the cache.
/// </summary>
public sealed record PreparationBenchmarkReport
{
    public required string Source { get; init; }

    public required long SourceBytes { get; init; }

    public required long Rows { get; init; }

    public required int Cores { get; init; }

    /// <summary>Locating, hashing, parsing, numbering ids and splitting: the preparation without writing the cache.</summary>
    public required double PrepareSeconds { get; init; }

    public required double CacheWriteSeconds { get; init; }

    public required double RowsPerSecond { get; init; }

    /// <summary>The largest working set of the process up to the end of the preparation, in MB (10^6 bytes).</summary>
    public required double PeakMemoryMb { get; init; }

    public required IReadOnlyDictionary<string, double> StageSeconds { get; init; }

    /// <summary>The second preparation, which reads the cache.</summary>
    public required double CachedLoadSeconds { get; init; }

    public required IReadOnlyDictionary<string, double> CachedStageSeconds { get; init; }

    public required DatasetReport Dataset { get; init; }
}
