using System.Text;

namespace VaeToolkit.Data.Parsing;

/// <summary>
/// The positive rows one worker read from one segment of a source, as <see cref="IdKeys"/> keys, in file
/// order. A segment stops at its first malformed line and records it in <see cref="Error"/>.
/// </summary>
/// <param name="encoding">The file's encoding, which non-numeric ids must be valid in.</param>
internal sealed class SegmentRows(int capacity, bool withTimes, Encoding encoding)
{
    public IdKeys UserKeys { get; } = new("user id", encoding);

    public IdKeys ItemKeys { get; } = new("item id", encoding);

    public List<int> Users { get; } = new(capacity);

    public List<int> Items { get; } = new(capacity);

    /// <summary>The timestamp (Unix seconds) of each row, when the split needs them; else null.</summary>
    public List<long>? Times { get; } = withTimes ? new(capacity) : null;

    /// <summary>Data rows seen before any filter.</summary>
    public long RowsRead { get; set; }

    /// <summary>Where the segment ends in its file (bytes) or, for Parquet, the last row it holds: for progress.</summary>
    public long End { get; set; }

    /// <summary>Netflix: the item key of the last <c>movieId:</c> line, or null before the first one.</summary>
    public int? CurrentItem { get; set; }

    /// <summary>The first malformed line: its byte offset in the file, and what is wrong.</summary>
    public (long Offset, string Reason)? Error { get; set; }

    public void Add(int user, int item, long time)
    {
        Users.Add(user);
        Items.Add(item);
        Times?.Add(time);
    }
}
