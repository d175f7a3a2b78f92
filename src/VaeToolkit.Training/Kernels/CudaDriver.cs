using System.Runtime.InteropServices;

namespace VaeToolkit.Training.Kernels;

/// <summary>
/// The CUDA driver calls that load and launch the kernels NVRTC compiled (libcuda, installed with the
/// NVIDIA driver). Everything runs in each device's primary context, the one libtorch's runtime
/// uses, and kernels go to the legacy default stream, where libtorch queues its own work: so they are
/// ordered with the tensors' other operations and the host never waits for them.
/// </summary>
internal static unsafe class CudaDriver
{
    private const int ComputeCapabilityMajor = 75; // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
    private const int ComputeCapabilityMinor = 76;

    private static readonly Lazy<(IntPtr Handle, string? Error)> Library = new(LoadLibrary);

    /// <summary>Why the driver cannot be used, or null when it can.</summary>
    public static string? UnavailableReason => Library.Value.Error;

    /// <summary>Retains device <paramref name="index"/>'s primary context (libtorch's) and returns it.</summary>
    public static IntPtr PrimaryContext(int index)
    {
        Check(((delegate* unmanaged<uint, int>)Export("cuInit"))(0), "cuInit");
        int device = Device(index);
        IntPtr context = IntPtr.Zero;
        Check(((delegate* unmanaged<IntPtr*, int, int>)Export("cuDevicePrimaryCtxRetain"))(&context, device), "cuDevicePrimaryCtxRetain");
        return context;
    }

    /// <summary>Compute capability as major × 10 + minor (90 for an H100).</summary>
    public static int ComputeCapability(int index)
    {
        int device = Device(index), major = 0, minor = 0;
        var getAttribute = (delegate* unmanaged<int*, int, int, int>)Export("cuDeviceGetAttribute");
        Check(getAttribute(&major, ComputeCapabilityMajor, device), "cuDeviceGetAttribute");
        Check(getAttribute(&minor, ComputeCapabilityMinor, device), "cuDeviceGetAttribute");
        return major * 10 + minor;
    }

    /// <summary>Makes <paramref name="context"/> current on the calling thread (autograd runs backward passes on its own threads).</summary>
    public static void MakeCurrent(IntPtr context) =>
        Check(((delegate* unmanaged<IntPtr, int>)Export("cuCtxSetCurrent"))(context), "cuCtxSetCurrent");

    /// <summary>Loads a cubin, or PTX that the driver compiles for the device, into the current context.</summary>
    public static IntPtr LoadModule(byte[] cubinOrPtx)
    {
        IntPtr module = IntPtr.Zero;
        fixed (byte* image = cubinOrPtx)
            Check(((delegate* unmanaged<IntPtr*, byte*, int>)Export("cuModuleLoadData"))(&module, image), "cuModuleLoadData");
        return module;
    }

    public static IntPtr Function(IntPtr module, string name)
    {
        IntPtr function = IntPtr.Zero;
        IntPtr nameText = Marshal.StringToCoTaskMemUTF8(name);
        try
        {
            Check(((delegate* unmanaged<IntPtr*, IntPtr, IntPtr, int>)Export("cuModuleGetFunction"))(&function, module, nameText), $"cuModuleGetFunction({name})");
        }
        finally
        {
            Marshal.FreeCoTaskMem(nameText);
        }
        return function;
    }

    /// <summary>
    /// Queues <paramref name="function"/> on the legacy default stream with a 1-D grid. Each argument
    /// sits in its own 8-byte slot: the driver reads as many bytes of a slot as the parameter has.
    /// </summary>
    public static void Launch(IntPtr function, string name, uint blocks, uint threads, ReadOnlySpan<ulong> arguments)
    {
        var slots = arguments.ToArray();
        fixed (ulong* values = slots)
        {
            var pointers = stackalloc void*[slots.Length];
            for (int i = 0; i < slots.Length; i++) pointers[i] = values + i;
            var launch = (delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int>)Export("cuLaunchKernel");
            Check(launch(function, blocks, 1, 1, threads, 1, 1, 0, IntPtr.Zero, pointers, null), $"cuLaunchKernel({name})");
        }
    }

    private static int Device(int index)
    {
        int device = 0;
        Check(((delegate* unmanaged<int*, int, int>)Export("cuDeviceGet"))(&device, index), "cuDeviceGet");
        return device;
    }

    private static void Check(int result, string call)
    {
        if (result == 0) return;
        IntPtr text = IntPtr.Zero;
        ((delegate* unmanaged<int, IntPtr*, int>)Export("cuGetErrorString"))(result, &text);
        throw new InvalidOperationException($"{call} failed: {Marshal.PtrToStringUTF8(text) ?? "unknown error"} (CUDA driver error {result})");
    }

    private static IntPtr Export(string name)
    {
        var (handle, error) = Library.Value;
        if (handle == IntPtr.Zero) throw new InvalidOperationException(error);
        return NativeLibrary.GetExport(handle, name);
    }

    private static (IntPtr, string?) LoadLibrary()
    {
        foreach (string name in new[] { "libcuda.so.1", "libcuda.so", "nvcuda.dll" })
            if (NativeLibrary.TryLoad(name, out IntPtr handle)) return (handle, null);
        return (IntPtr.Zero, "the CUDA driver library (libcuda.so.1) was not found");
    }
}
