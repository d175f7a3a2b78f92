namespace VaeToolkit.Data;

/// <summary>
/// Binary user-by-item interactions in compressed sparse row form: row <c>u</c>'s item indices are
/// <c>Indices[RowOffsets[u] .. RowOffsets[u + 1]]</c>, sorted ascending and without duplicates.
/// </summary>
public sealed class CsrMatrix
{
    public CsrMatrix(int columnCount, long[] rowOffsets, int[] indices)
    {
        if (rowOffsets.Length == 0 || rowOffsets[0] != 0 || rowOffsets[^1] != indices.Length)
            throw new ArgumentException("row offsets must start at 0 and end at the number of indices", nameof(rowOffsets));
        ColumnCount = columnCount;
        RowOffsets = rowOffsets;
        Indices = indices;
    }

    public int RowCount => RowOffsets.Length - 1;

    public int ColumnCount { get; }

    public long[] RowOffsets { get; }

    public int[] Indices { get; }

    public long NonZeroCount => Indices.LongLength;

    public ReadOnlySpan<int> Row(int row) =>
        Indices.AsSpan((int)RowOffsets[row], (int)(RowOffsets[row + 1] - RowOffsets[row]));

    public int RowLength(int row) => (int)(RowOffsets[row + 1] - RowOffsets[row]);

    /// <summary>Builds a matrix from per-row item lists; each list is sorted and deduplicated.</summary>
    public static CsrMatrix FromRows(IReadOnlyList<IEnumerable<int>> rows, int columnCount)
    {
        var offsets = new long[rows.Count + 1];
        var indices = new List<int>();
        for (int r = 0; r < rows.Count; r++)
        {
            foreach (int column in rows[r].Distinct().Order())
            {
                if ((uint)column >= (uint)columnCount)
                    throw new ArgumentOutOfRangeException(nameof(rows), $"column {column} of row {r} is outside 0..{columnCount - 1}");
                indices.Add(column);
            }
            offsets[r + 1] = indices.Count;
        }
        return new CsrMatrix(columnCount, offsets, indices.ToArray());
    }

    /// <summary>The rows <paramref name="rows"/>, in that order, as a new matrix.</summary>
    public CsrMatrix SelectRows(ReadOnlySpan<int> rows)
    {
        var offsets = new long[rows.Length + 1];
        for (int i = 0; i < rows.Length; i++)
            offsets[i + 1] = offsets[i] + RowLength(rows[i]);
        var indices = new int[offsets[^1]];
        for (int i = 0; i < rows.Length; i++)
            Row(rows[i]).CopyTo(indices.AsSpan((int)offsets[i]));
        return new CsrMatrix(ColumnCount, offsets, indices);
    }

    /// <summary>How many rows hold each column.</summary>
    public int[] ColumnCounts()
    {
        var counts = new int[ColumnCount];
        foreach (int column in Indices) counts[column]++;
        return counts;
    }
}
