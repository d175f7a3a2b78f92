using VaeToolkit.Data;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Model;

/// <summary>
/// The arrays of a <see cref="HistoryBatch"/>, built on the host (on a background thread while the
/// device works on the previous batch) and uploaded in one go. Only what the device cannot derive
/// travels: each history entry's item (int32), and each user's offset and count; the entries' rows,
/// positions and weights are computed on the device. For a CUDA device the prefetch thread also
/// copies the arrays into page-locked (pinned) tensors, so that the upload is only an asynchronous copy.
/// </summary>
public sealed class HostBatch
{
    private Tensor[]? _pinned;

    private HostBatch(int users, int items, int[] itemIndices, int[] bagOffsets, float[] counts)
    {
        Users = users;
        Items = items;
        ItemIndices = itemIndices;
        BagOffsets = bagOffsets;
        Counts = counts;
    }

    public int Users { get; }

    /// <summary>The number of items (columns of the logits).</summary>
    public int Items { get; }

    /// <summary>The items of every user, user after user.</summary>
    public int[] ItemIndices { get; }

    /// <summary>Where each user's items start in <see cref="ItemIndices"/>.</summary>
    public int[] BagOffsets { get; }

    /// <summary>Items per user.</summary>
    public float[] Counts { get; }

    /// <summary>The histories of <paramref name="rows"/> of <paramref name="matrix"/>.</summary>
    /// <remarks>Never inlined, so that a build error's stack always names it: with RecVAE's shards calling it too, tiered compilation came to inline it into the prefetcher's loop.</remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static HostBatch Build(CsrMatrix matrix, ReadOnlySpan<int> rows)
    {
        long entries = 0;
        foreach (int row in rows) entries += matrix.RowLength(row);
        var itemIndices = new int[entries];
        var bagOffsets = new int[rows.Length];
        var counts = new float[rows.Length];
        int at = 0;
        for (int b = 0; b < rows.Length; b++)
        {
            ReadOnlySpan<int> items = matrix.Row(rows[b]);
            bagOffsets[b] = at;
            counts[b] = items.Length;
            items.CopyTo(itemIndices.AsSpan(at));
            at += items.Length;
        }
        return new HostBatch(rows.Length, matrix.ColumnCount, itemIndices, bagOffsets, counts);
    }

    /// <summary>Copies the arrays into pinned host tensors, ready for <see cref="TakeTensors"/>.</summary>
    public void Pin() => _pinned ??= [.. Tensors().Select(Pinned)];

    /// <summary>
    /// The arrays as host tensors, in the order item indices, bag offsets, counts: the
    /// pinned ones when <see cref="Pin"/> was called (once only), else ordinary ones. The caller owns them.
    /// </summary>
    internal Tensor[] TakeTensors()
    {
        var taken = _pinned ?? Tensors();
        _pinned = null;
        return taken;
    }

    private Tensor[] Tensors() => [tensor(ItemIndices), tensor(BagOffsets), tensor(Counts)];

    private static Tensor Pinned(Tensor pageable)
    {
        using (pageable) return pageable.pin_memory();
    }
}
