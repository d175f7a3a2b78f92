namespace VaeToolkit.Data;

/// <summary>
/// A prepared data set described as in the paper's data set table, plus the split sizes and where the
/// time went. <see cref="Users"/>, <see cref="Items"/> and <see cref="Interactions"/> count what the
/// model sees: users kept by the filters, the training users' items, and the user-item pairs among them.
/// </summary>
public sealed record DatasetReport
{
    /// <summary>The data set name, such as <c>ml-20m</c> (or the file name of a <c>file</c> data set).</summary>
    public required string Name { get; init; }

    public required string DataHash { get; init; }

    /// <summary>The interaction files read (none for synthetic data).</summary>
    public required IReadOnlyList<string> SourceFiles { get; init; }

    /// <summary>The prepared data cache file, or null when the data set is not cached.</summary>
    public string? CacheFile { get; init; }

    /// <summary>Whether this preparation was loaded from <see cref="CacheFile"/>.</summary>
    public bool FromCache { get; init; }

    /// <summary>Data rows in the source.</summary>
    public long RowsRead { get; init; }

    /// <summary>Rows that passed the positive filter (rating threshold, play count), before deduplication and the user filter.</summary>
    public long Positives { get; init; }

    public int Users { get; init; }

    public int Items { get; init; }

    public long Interactions { get; init; }

    /// <summary>Interactions / (users × items).</summary>
    public double Density { get; init; }

    public int TrainUsers { get; init; }

    public int ValidationUsers { get; init; }

    public int TestUsers { get; init; }

    public long TrainInteractions { get; init; }

    public long ValidationFoldInInteractions { get; init; }

    public long ValidationTargetInteractions { get; init; }

    public long TestFoldInInteractions { get; init; }

    public long TestTargetInteractions { get; init; }

    public required ItemsPerUserPercentiles ItemsPerUser { get; init; }

    /// <summary>Seconds per stage: locate, cache_key, cache_read, cache_wait, hash, parse, index, split, names, cache_write, cache_prune (those that ran).</summary>
    public required IReadOnlyDictionary<string, double> Seconds { get; init; }

    internal static DatasetReport Create(PreparedDataset dataset, SourceCounts counts, IReadOnlyList<string> files, string? cacheFile, bool fromCache,
        IReadOnlyDictionary<string, double> seconds)
    {
        var perUser = new List<int>(dataset.TrainUserIds.Length + dataset.Validation.Count + dataset.Test.Count);
        for (int u = 0; u < dataset.Train.RowCount; u++) perUser.Add(dataset.Train.RowLength(u));
        foreach (HeldOutUsers heldOut in new[] { dataset.Validation, dataset.Test })
            for (int u = 0; u < heldOut.Count; u++) perUser.Add(heldOut.FoldIn.RowLength(u) + heldOut.Targets.RowLength(u));
        long interactions = perUser.Sum(count => (long)count);
        return new DatasetReport
        {
            Name = dataset.Name,
            DataHash = dataset.DataHash,
            SourceFiles = files,
            CacheFile = cacheFile,
            FromCache = fromCache,
            RowsRead = counts.RowsRead,
            Positives = counts.Positives,
            Users = perUser.Count,
            Items = dataset.ItemCount,
            Interactions = interactions,
            Density = perUser.Count == 0 || dataset.ItemCount == 0 ? 0 : interactions / ((double)perUser.Count * dataset.ItemCount),
            TrainUsers = dataset.TrainUserIds.Length,
            ValidationUsers = dataset.Validation.Count,
            TestUsers = dataset.Test.Count,
            TrainInteractions = dataset.Train.NonZeroCount,
            ValidationFoldInInteractions = dataset.Validation.FoldIn.NonZeroCount,
            ValidationTargetInteractions = dataset.Validation.Targets.NonZeroCount,
            TestFoldInInteractions = dataset.Test.FoldIn.NonZeroCount,
            TestTargetInteractions = dataset.Test.Targets.NonZeroCount,
            ItemsPerUser = ItemsPerUserPercentiles.Of([.. perUser]),
            Seconds = seconds,
        };
    }
}
