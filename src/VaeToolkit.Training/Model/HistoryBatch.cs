using VaeToolkit.Data;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Model;

/// <summary>
/// A batch of users' histories as the tensors the model reads: item indices with bag offsets for the
/// embedding bag, 1/sqrt(count) per entry (the L2 normalisation of a binary row), and the flat
/// positions (row × items + item) of the positives in a [batch × items] logits matrix.
/// </summary>
public sealed class HistoryBatch : IDisposable
{
    private HistoryBatch(int users, Tensor itemIndices, Tensor bagOffsets, Tensor normWeights, Tensor positivePositions, Tensor counts)
    {
        Users = users;
        ItemIndices = itemIndices;
        BagOffsets = bagOffsets;
        NormWeights = normWeights;
        PositivePositions = positivePositions;
        Counts = counts;
    }

    public int Users { get; }

    /// <summary>int64 [nnz]: the items of every user, user after user.</summary>
    public Tensor ItemIndices { get; }

    /// <summary>int64 [users]: where each user's items start in <see cref="ItemIndices"/>.</summary>
    public Tensor BagOffsets { get; }

    /// <summary>float32 [nnz]: 1/sqrt(count of the entry's user).</summary>
    public Tensor NormWeights { get; }

    /// <summary>int64 [nnz]: row × items + item, to gather the positives' logits.</summary>
    public Tensor PositivePositions { get; }

    /// <summary>float32 [users]: items per user.</summary>
    public Tensor Counts { get; }

    /// <summary>Builds the batch of <paramref name="rows"/> of <paramref name="matrix"/> on <paramref name="device"/>.</summary>
    public static HistoryBatch Create(CsrMatrix matrix, ReadOnlySpan<int> rows, Device device)
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
            foreach (int item in items)
            {
                itemIndices[at] = item;
                positions[at] = (long)b * matrix.ColumnCount + item;
                normWeights[at] = norm;
                at++;
            }
        }
        return new HistoryBatch(
            rows.Length,
            tensor(itemIndices, device: device),
            tensor(bagOffsets, device: device),
            tensor(normWeights, device: device),
            tensor(positions, device: device),
            tensor(counts, device: device));
    }

    public void Dispose()
    {
        ItemIndices.Dispose();
        BagOffsets.Dispose();
        NormWeights.Dispose();
        PositivePositions.Dispose();
        Counts.Dispose();
    }
}
