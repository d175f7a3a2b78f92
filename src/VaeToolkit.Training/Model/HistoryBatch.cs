using TorchSharp;
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

    /// <summary>int32 [nnz]: the items of every user, user after user.</summary>
    public Tensor ItemIndices { get; }

    /// <summary>int32 [users]: where each user's items start in <see cref="ItemIndices"/>.</summary>
    public Tensor BagOffsets { get; }

    /// <summary>float32 [nnz]: 1/sqrt(count of the entry's user).</summary>
    public Tensor NormWeights { get; }

    /// <summary>int64 [nnz]: row × items + item, to gather the positives' logits.</summary>
    public Tensor PositivePositions { get; }

    /// <summary>float32 [users]: items per user.</summary>
    public Tensor Counts { get; }

    /// <summary>Every tensor of the batch.</summary>
    public IReadOnlyList<Tensor> Tensors => [ItemIndices, BagOffsets, NormWeights, PositivePositions, Counts];

    /// <summary>Builds the batch of <paramref name="rows"/> of <paramref name="matrix"/> on <paramref name="device"/>.</summary>
    public static HistoryBatch Create(CsrMatrix matrix, ReadOnlySpan<int> rows, Device device) =>
        Upload(HostBatch.Build(matrix, rows), device);

    /// <summary>
    /// Copies a host batch to <paramref name="device"/> and derives the rest there. On CUDA the arrays
    /// come from pinned memory (pinned on the prefetch thread, see <see cref="HostBatch.Pin"/>) and copy
    /// asynchronously, so the host does not wait for the device.
    /// </summary>
    public static HistoryBatch Upload(HostBatch host, Device device)
    {
        Tensor[] onHost = host.TakeTensors();
        Tensor[] onDevice = onHost;
        if (device.type != DeviceType.CPU)
        {
            // Disposing a pinned source right after a non-blocking copy is safe: libtorch's pinned-memory
            // cache keeps the block until the copy has finished.
            onDevice = [.. onHost.Select(t => t.to(device, non_blocking: true))];
            foreach (var t in onHost) t.Dispose();
        }

        var (itemIndices, bagOffsets, counts) = (onDevice[0], onDevice[1], onDevice[2]);
        // Explicit Scalars, held until the calls return: an implicit one (host.Items, add's alpha of 1) can be
        // finalized by a garbage collection while libtorch still reads it, which once turned this int64 add's
        // alpha into a float ("For integral input tensors, argument alpha must not be a floating point number").
        using var items = ((long)host.Items).ToScalar();
        using var one = 1L.ToScalar();
        using (var entryRows = EntryRows(bagOffsets, itemIndices.shape[0]))
        using (var norms = counts.rsqrt())
        using (var rowStarts = entryRows.to(ScalarType.Int64).mul_(items))
            return new(host.Users, itemIndices, bagOffsets, norms.index_select(0, entryRows), rowStarts.add(itemIndices, one), counts);
    }

    /// <summary>
    /// int32 [entries]: the row (bag) of each entry, from the bags' start offsets: the last bag starting
    /// at or before the entry (an empty bag shares its start with the next one).
    /// </summary>
    internal static Tensor EntryRows(Tensor bagOffsets, long entries)
    {
        using var entryIndices = arange(entries, ScalarType.Int32, bagOffsets.device);
        return searchsorted(bagOffsets, entryIndices, out_int32: true, right: true).sub_(1);
    }

    public void Dispose()
    {
        foreach (var tensor in Tensors) tensor.Dispose();
    }
}
