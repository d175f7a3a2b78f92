using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Parallel;

/// <summary>
/// All-reduce over NCCL for one process driving several GPUs: one communicator per device
/// (ncclCommInitAll), and one ncclAllReduce per parameter and replica, all inside one group, in place on
/// the gradients' device memory, on each device's default stream (where the backward pass ran), so
/// the host never waits. libnccl.so.2 ships with CUDA builds of libtorch and PyTorch.
/// </summary>
public sealed partial class NcclAllReduce : IGradientAllReduce
{
    private const string Nccl = "libnccl.so.2";
    private const int NcclFloat32 = 7;
    private const int NcclSum = 0;

    private readonly IntPtr[] _communicators;

    public NcclAllReduce(IReadOnlyList<int> deviceIndices)
    {
        _communicators = new IntPtr[deviceIndices.Count];
        try
        {
            Check(ncclCommInitAll(_communicators, deviceIndices.Count, deviceIndices.ToArray()), "ncclCommInitAll");
        }
        catch (DllNotFoundException e)
        {
            throw new InvalidOperationException($"data-parallel training on {deviceIndices.Count} GPUs needs NCCL, but {Nccl} could not be loaded: {e.Message}", e);
        }
    }

    public void AllReduceSum(IReadOnlyList<IReadOnlyList<Tensor>> gradients)
    {
        foreach (var gradient in gradients.SelectMany(replica => replica))
            if (gradient.dtype != ScalarType.Float32 || !gradient.is_contiguous())
                throw new InvalidOperationException("NCCL all-reduce expects contiguous float32 gradients");
        // One group for every parameter of every replica: NCCL aggregates them into one launch per device.
        Check(ncclGroupStart(), "ncclGroupStart");
        for (int p = 0; p < gradients[0].Count; p++)
            for (int r = 0; r < gradients.Count; r++)
            {
                IntPtr data = TensorMemory.DataPointer(gradients[r][p]);
                Check(ncclAllReduce(data, data, (nuint)gradients[r][p].numel(), NcclFloat32, NcclSum, _communicators[r], IntPtr.Zero), "ncclAllReduce");
            }
        Check(ncclGroupEnd(), "ncclGroupEnd");
    }

    public void Dispose()
    {
        foreach (var communicator in _communicators)
            if (communicator != IntPtr.Zero) ncclCommDestroy(communicator);
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
            throw new InvalidOperationException($"{call} failed: {Marshal.PtrToStringAnsi(ncclGetErrorString(result))} (NCCL error {result})");
    }

    [LibraryImport(Nccl)]
    private static partial int ncclCommInitAll([Out] IntPtr[] communicators, int deviceCount, int[] deviceList);

    [LibraryImport(Nccl)]
    private static partial int ncclAllReduce(IntPtr sendBuffer, IntPtr receiveBuffer, nuint count, int dataType, int operation, IntPtr communicator, IntPtr stream);

    [LibraryImport(Nccl)]
    private static partial int ncclGroupStart();

    [LibraryImport(Nccl)]
    private static partial int ncclGroupEnd();

    [LibraryImport(Nccl)]
    private static partial int ncclCommDestroy(IntPtr communicator);

    [LibraryImport(Nccl)]
    private static partial IntPtr ncclGetErrorString(int result);
}
