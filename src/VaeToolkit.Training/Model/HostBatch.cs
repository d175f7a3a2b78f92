using VaeToolkit.Data;

namespace VaeToolkit.Training.Model;

/// <summary>
/// The arrays of a <see cref="HistoryBatch"/>, built on the host (on a background thread while the
/// device works on the previous batch) and uploaded in one go.
/// </summary>
public sealed class HostBatch
{
    private HostBatch(int users, long[] itemIndices, long[] bagOffsets, float[] normWeights, long[] positivePositions, float[] counts)
    {
        Users = users;
        ItemIndices = itemIndices;
        BagOffsets = bagOffsets;
        NormWeights = normWeights;
        PositivePositions = positivePositions;
        Counts = counts;
    }

    public int Users { get; }

    public long[] ItemIndices { get; }

    public long[] BagOffsets { get; }

    public float[] NormWeights { get; }

    public long[] PositivePositions { get; }

    public float[] Counts { get; }

    /// <summary>The histories of <paramref name="rows"/> of <paramref name="matrix"/>.</summary>
    public static HostBatch Build(CsrMatrix matrix, ReadOnlySpan<int> rows)
    {
        long entries = 0;
        foreach (int row in rows) entries += matrix.RowLength(row);
        var itemIndices = new long[entries];
        var positions = new long[entries];
        var normWeights = new float[entries];
        var bagOffsets = new long[rows.Length];
        var counts = new float[rows.Length];
        long at = 0;
        for (int b = 0; b < rows.Length; b++)
        {
            ReadOnlySpan<int> items = matrix.Row(rows[b]);
            bagOffsets[b] = at;
            counts[b] = items.Length;
            float norm = 1f / MathF.Sqrt(Math.Max(items.Length, 1));
            long rowStart = (long)b * matrix.ColumnCount;
            foreach (int item in items)
            {
                itemIndices[at] = item;
                positions[at] = rowStart + item;
                normWeights[at] = norm;
                at++;
            }
        }
        return new HostBatch(rows.Length, itemIndices, bagOffsets, normWeights, positions, counts);
    }
}
