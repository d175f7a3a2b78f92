using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace VaeToolkit.Training;

/// <summary>The address of a tensor's first element, for native code (NCCL, the fused kernels) that works on it in place.</summary>
internal static partial class TensorMemory
{
    public static IntPtr DataPointer(Tensor tensor) => THSTensor_data(tensor.Handle);

    // TorchSharp keeps its data-pointer accessor internal; the native entry point is public.
    [LibraryImport("LibTorchSharp")]
    private static partial IntPtr THSTensor_data(IntPtr tensor);
}
