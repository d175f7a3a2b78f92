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
    public static HistoryBatch Create(CsrMatrix matrix, ReadOnlySpan<int> rows, Device device) =>
        Upload(HostBatch.Build(matrix, rows), device);

    /// <summary>
    /// Copies a host batch to <paramref name="device"/>. On CUDA the arrays go through pinned memory
    /// and copy asynchronously, so the host does not wait for the device.
    /// </summary>
    public static HistoryBatch Upload(HostBatch host, Device device) =>
        new(host.Users, Copy(host.ItemIndices, device), Copy(host.BagOffsets, device), Copy(host.NormWeights, device),
            Copy(host.PositivePositions, device), Copy(host.Counts, device));

    private static Tensor Copy(long[] values, Device device) => ToDevice(tensor(values), device);

    private static Tensor Copy(float[] values, Device device) => ToDevice(tensor(values), device);

    private static Tensor ToDevice(Tensor host, Device device)
    {
        if (device.type == DeviceType.CPU) return host;
        using (host)
        using (var pinned = host.pin_memory())
            return pinned.to(device, non_blocking: true);
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
