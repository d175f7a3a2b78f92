using System.Text;
using VaeToolkit.Data.Parsing;

namespace VaeToolkit.Data.Sources;

/// <summary>
/// A located data set: its files and how to read them into segments, the names file if any, and the
/// settings text that the data hash and the cache key include.
/// </summary>
internal sealed record DatasetSource
{
    /// <summary>The interaction files, read in this order.</summary>
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>Reads the files into segments, with or without times.</summary>
    public required Func<bool, CancellationToken, List<SegmentRows>> ReadSegments { get; init; }

    /// <summary>The encoding of non-numeric ids.</summary>
    public Encoding Encoding { get; init; } = Encoding.UTF8;

    /// <summary>Whether the rows have timestamps, which <c>target_split: latest</c> needs.</summary>
    public required bool HasTimes { get; init; }

    /// <summary>How errors name the positive filter.</summary>
    public required string FilterText { get; init; }

    /// <summary>Everything about reading the files that shapes the data, one setting per line.</summary>
    public required string Settings { get; init; }

    public ItemNamesFile? Names { get; init; }

    /// <summary>The name errors give the source: the file, or the folder of several files.</summary>
    public string Description => Files.Count == 1 ? Files[0] : Path.GetDirectoryName(Files[0]) ?? Files[0];
}
