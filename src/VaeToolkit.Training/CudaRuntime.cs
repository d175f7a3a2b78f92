using System.Runtime.InteropServices;
using System.Text;

namespace VaeToolkit.Training;

/// <summary>
/// The few CUDA runtime calls TorchSharp does not expose: the calling thread's current device, free
/// memory, a device's name and timing events. The runtime is the one libtorch already loaded (same
/// soname), so the current device set here is the one libtorch sees. Each call answers false/null where
/// no CUDA runtime library can be found.
/// </summary>
internal static unsafe class CudaRuntime
{
    private static readonly Lazy<IntPtr> Library = new(LoadLibrary);

    /// <summary>Makes <paramref name="index"/> the calling thread's current device.</summary>
    public static bool SetDevice(int index) =>
        Export("cudaSetDevice") is IntPtr setDevice && ((delegate* unmanaged<int, int>)setDevice)(index) == 0;

    /// <summary>Free and total memory of device <paramref name="index"/>, in bytes.</summary>
    public static (long Free, long Total)? MemoryInfo(int index)
    {
        if (!SetDevice(index) || Export("cudaMemGetInfo") is not IntPtr memGetInfo) return null;
        long free = 0, total = 0;
        return ((delegate* unmanaged<long*, long*, int>)memGetInfo)(&free, &total) == 0 ? (free, total) : null;
    }

    /// <summary>The device's name as the driver reports it ("NVIDIA H100 80GB HBM3").</summary>
    public static string? DeviceName(int index)
    {
        // cudaDeviceProp starts with char name[256]; the buffer is far larger than the struct in any CUDA version.
        IntPtr getProperties = Export("cudaGetDeviceProperties_v2") ?? Export("cudaGetDeviceProperties") ?? IntPtr.Zero;
        if (getProperties == IntPtr.Zero) return null;
        var properties = new byte[16384];
        fixed (byte* buffer = properties)
        {
            if (((delegate* unmanaged<byte*, int, int>)getProperties)(buffer, index) != 0) return null;
        }
        int length = Array.IndexOf(properties, (byte)0, 0, 256);
        return Encoding.UTF8.GetString(properties, 0, length < 0 ? 256 : length);
    }

    /// <summary>A new timing event on the current device, or null.</summary>
    public static IntPtr? CreateEvent()
    {
        IntPtr cudaEvent = IntPtr.Zero;
        return Export("cudaEventCreate") is IntPtr create && ((delegate* unmanaged<IntPtr*, int>)create)(&cudaEvent) == 0 ? cudaEvent : null;
    }

    /// <summary>Queues <paramref name="cudaEvent"/> on the legacy default stream, libtorch's.</summary>
    public static bool RecordEvent(IntPtr cudaEvent) =>
        Export("cudaEventRecord") is IntPtr record && ((delegate* unmanaged<IntPtr, IntPtr, int>)record)(cudaEvent, IntPtr.Zero) == 0;

    /// <summary>Milliseconds of device time from <paramref name="start"/> to <paramref name="end"/>, waiting for <paramref name="end"/> first.</summary>
    public static double? ElapsedMilliseconds(IntPtr start, IntPtr end)
    {
        if (Export("cudaEventSynchronize") is not IntPtr synchronize || Export("cudaEventElapsedTime") is not IntPtr elapsed) return null;
        if (((delegate* unmanaged<IntPtr, int>)synchronize)(end) != 0) return null;
        float milliseconds = 0;
        return ((delegate* unmanaged<float*, IntPtr, IntPtr, int>)elapsed)(&milliseconds, start, end) == 0 ? milliseconds : null;
    }

    public static void DestroyEvent(IntPtr cudaEvent)
    {
        if (Export("cudaEventDestroy") is IntPtr destroy) ((delegate* unmanaged<IntPtr, int>)destroy)(cudaEvent);
    }

    private static IntPtr? Export(string name) =>
        Library.Value != IntPtr.Zero && NativeLibrary.TryGetExport(Library.Value, name, out IntPtr address) ? address : null;

    private static IntPtr LoadLibrary()
    {
        foreach (string name in new[] { "libcudart.so.13", "libcudart.so.12", "libcudart.so", "cudart64_13.dll", "cudart64_12.dll" })
            if (NativeLibrary.TryLoad(name, out IntPtr library)) return library;
        return IntPtr.Zero;
    }
}
