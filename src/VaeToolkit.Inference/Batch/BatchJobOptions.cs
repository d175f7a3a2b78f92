using VaeToolkit.Data.Parsing;

namespace VaeToolkit.Inference.Batch;

/// <summary>What a batch job reads and writes: see <see cref="BatchJob"/>.</summary>
public sealed record BatchJobOptions
{
    /// <summary>Interactions: CSV/TSV with a header line, or Parquet (by extension).</summary>
    public required string InputPath { get; init; }

    /// <summary>The output file; a shard writes <c>name-00003-of-00010.ext</c> beside it (<see cref="BatchJob.ShardOutputPath"/>).</summary>
    public required string OutputPath { get; init; }

    public InteractionColumns Columns { get; init; } = new();

    /// <summary><c>csv</c> or <c>parquet</c>; null chooses by the output's extension.</summary>
    public string? Format { get; init; }

    public ShardSpec Shard { get; init; } = ShardSpec.Whole;

    /// <summary>Score a shard again even when its finished output and manifest say it is done.</summary>
    public bool Force { get; init; }

    /// <summary>Where the grouping pass spills (about the input's size in all); null: beside the output.</summary>
    public string? SpillDirectory { get; init; }

    /// <summary>Input bytes per spill bucket: the most one grouping step holds in memory, roughly.</summary>
    public long BucketInputBytes { get; init; } = 64L << 20;
}
