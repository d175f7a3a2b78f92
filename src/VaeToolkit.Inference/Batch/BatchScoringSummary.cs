
namespace VaeToolkit.Inference.Batch;

/// <summary>What a batch job read and wrote; for a shard, also its manifest (<see cref="BatchJob"/>).</summary>
public sealed record BatchScoringSummary
{
    /// <summary><c>recommendations</c> or <c>embeddings</c>.</summary>
    public required string Kind { get; init; }

    public required string OutputPath { get; init; }

    public required string Format { get; init; }

    /// <summary>"i/N"; "0/1" for a whole input.</summary>
    public required string Shard { get; init; }

    /// <summary>The shard's manifest, or null for a whole input.</summary>
    public string? ManifestPath { get; init; }

    public required string InputPath { get; init; }

    /// <summary>Data rows in the input (every shard reads them all).</summary>
    public long InputRows { get; init; }

    /// <summary>Rows of this shard's users.</summary>
    public long ShardRows { get; init; }

    /// <summary>Distinct users of this shard.</summary>
    public int Users { get; init; }

    /// <summary>Users that got output.</summary>
    public int UsersWritten { get; init; }

    /// <summary>Output rows written (recommendations, or one per user for embeddings).</summary>
    public long Rows { get; init; }

    /// <summary>Rows whose item the model does not know: left out of the histories.</summary>
    public long UnknownInteractions { get; init; }

    /// <summary>Users none of whose items the model knows: they got no output.</summary>
    public int SkippedUserCount { get; init; }

    /// <summary>The first of the skipped users (at most <see cref="BatchJob.SkippedUsersListed"/>).</summary>
    public IReadOnlyList<string> SkippedUsers { get; init; } = [];

    public double Seconds { get; init; }

    /// <summary>Users written per second, end to end (reading, grouping, scoring, writing).</summary>
    public double UsersPerSecond { get; init; }

    /// <summary>True when a finished shard was found and nothing was done.</summary>
    public bool AlreadyDone { get; init; }

    /// <summary>The input's content hash: SHA-256 over the SHA-256 of each 8 MiB block, as the data hash of training (<see cref="VaeToolkit.Data.Sources.SourceHash"/>).</summary>
    public string? InputSha256 { get; init; }

    public string? ModelSha256 { get; init; }

    /// <summary>What else decides the output: the k of recommendations.</summary>
    public string Settings { get; init; } = "";

    public long OutputBytes { get; init; }
}
