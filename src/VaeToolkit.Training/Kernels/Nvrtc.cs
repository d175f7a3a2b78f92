using System.Runtime.InteropServices;
using System.Text;

namespace VaeToolkit.Training.Kernels;

/// <summary>
/// NVIDIA's run-time CUDA compiler: turns the kernels' source into machine code for the GPU at hand
/// (or into PTX, which the driver compiles). It needs no GPU itself. libnvrtc ships with CUDA, with PyTorch's CUDA wheels
/// (nvidia/cu13/lib) and with CUDA builds of libtorch (under a hashed name next to libtorch_cuda.so),
/// so it is looked for under its sonames first and then next to the libtorch the process loaded.
/// </summary>
internal static unsafe class Nvrtc
{
    private static readonly Lazy<(IntPtr Handle, string? Error)> Library = new(LoadLibrary);

    /// <summary>Why NVRTC cannot be used, or null when it can.</summary>
    public static string? UnavailableReason => Library.Value.Error;

    /// <summary>NVRTC's version, as (major, minor).</summary>
    public static (int Major, int Minor) Version
    {
        get
        {
            int major = 0, minor = 0;
            Check(((delegate* unmanaged<int*, int*, int>)Export("nvrtcVersion"))(&major, &minor), "nvrtcVersion");
            return (major, minor);
        }
    }

    /// <summary>
    /// What to compile for a device of <paramref name="computeCapability"/> (major × 10 + minor): machine
    /// code for the newest architecture NVRTC knows in the device's own family, which the driver loads as
    /// it is; or, for a device newer than NVRTC, PTX for the newest architecture below it, which the driver
    /// compiles. Machine code is preferred because a driver refuses PTX from a newer CUDA than its own,
    /// and PyTorch's CUDA wheels may bring a newer NVRTC than the installed driver.
    /// </summary>
    public static CompileTarget TargetFor(int computeCapability)
    {
        int count = 0;
        Check(((delegate* unmanaged<int*, int>)Export("nvrtcGetNumSupportedArchs"))(&count), "nvrtcGetNumSupportedArchs");
        var architectures = new int[count];
        fixed (int* buffer = architectures)
            Check(((delegate* unmanaged<int*, int>)Export("nvrtcGetSupportedArchs"))(buffer), "nvrtcGetSupportedArchs");
        var usable = architectures.Where(a => a <= computeCapability).ToArray();
        if (usable.Length == 0)
            throw new InvalidOperationException($"NVRTC {Version.Major}.{Version.Minor} cannot compile for compute capability {computeCapability / 10}.{computeCapability % 10}");
        int architecture = usable.Max();
        return new CompileTarget(architecture, MachineCode: architecture / 10 == computeCapability / 10);
    }

    /// <summary>Compiles CUDA C++ <paramref name="source"/> for <paramref name="target"/>: a cubin or PTX image for cuModuleLoadData.</summary>
    public static byte[] Compile(string source, string name, CompileTarget target)
    {
        IntPtr program = IntPtr.Zero;
        IntPtr sourceText = Marshal.StringToCoTaskMemUTF8(source);
        IntPtr nameText = Marshal.StringToCoTaskMemUTF8(name);
        // No --generate-line-info: with it NVRTC 11.8 crashes the process compiling this source for sm_90.
        string[] options = [$"--gpu-architecture={target}", "--std=c++17"];
        IntPtr[] optionTexts = [.. options.Select(Marshal.StringToCoTaskMemUTF8)];
        try
        {
            Check(((delegate* unmanaged<IntPtr*, IntPtr, IntPtr, int, IntPtr, IntPtr, int>)Export("nvrtcCreateProgram"))(
                &program, sourceText, nameText, 0, IntPtr.Zero, IntPtr.Zero), "nvrtcCreateProgram");
            int compiled;
            fixed (IntPtr* optionPointers = optionTexts)
                compiled = ((delegate* unmanaged<IntPtr, int, IntPtr*, int>)Export("nvrtcCompileProgram"))(program, options.Length, optionPointers);
            if (compiled != 0)
                throw new InvalidOperationException($"NVRTC could not compile {name} for {target} ({ErrorText(compiled)}):{Environment.NewLine}{Log(program)}");

            // PTX ends with the terminating zero the driver expects; a cubin is an ELF image.
            string output = target.MachineCode ? "CUBIN" : "PTX";
            nuint size = 0;
            Check(((delegate* unmanaged<IntPtr, nuint*, int>)Export($"nvrtcGet{output}Size"))(program, &size), $"nvrtcGet{output}Size");
            var image = new byte[size];
            fixed (byte* buffer = image)
                Check(((delegate* unmanaged<IntPtr, byte*, int>)Export($"nvrtcGet{output}"))(program, buffer), $"nvrtcGet{output}");
            return image;
        }
        finally
        {
            if (program != IntPtr.Zero)
                ((delegate* unmanaged<IntPtr*, int>)Export("nvrtcDestroyProgram"))(&program);
            foreach (IntPtr text in optionTexts.Append(sourceText).Append(nameText))
                Marshal.FreeCoTaskMem(text);
        }
    }

    private static string Log(IntPtr program)
    {
        nuint size = 0;
        if (((delegate* unmanaged<IntPtr, nuint*, int>)Export("nvrtcGetProgramLogSize"))(program, &size) != 0 || size == 0)
            return "(no log)";
        var log = new byte[size];
        fixed (byte* buffer = log)
            ((delegate* unmanaged<IntPtr, byte*, int>)Export("nvrtcGetProgramLog"))(program, buffer);
        return Encoding.UTF8.GetString(log).TrimEnd('\0', '\n');
    }

    private static void Check(int result, string call)
    {
        if (result != 0) throw new InvalidOperationException($"{call} failed: {ErrorText(result)}");
    }

    private static string ErrorText(int result) =>
        Marshal.PtrToStringUTF8(((delegate* unmanaged<int, IntPtr>)Export("nvrtcGetErrorString"))(result)) ?? $"NVRTC error {result}";

    private static IntPtr Export(string name)
    {
        var (handle, error) = Library.Value;
        if (handle == IntPtr.Zero) throw new InvalidOperationException(error);
        return NativeLibrary.GetExport(handle, name);
    }

    private static (IntPtr, string?) LoadLibrary()
    {
        string[] names = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so", "nvrtc64_130_0.dll", "nvrtc64_120_0.dll"];
        foreach (string name in names.Concat(NextToLibtorch()))
            if (NativeLibrary.TryLoad(name, out IntPtr handle)) return (handle, null);
        return (IntPtr.Zero, $"the CUDA run-time compiler (libnvrtc) was not found: tried {string.Join(", ", names)} and the folder of libtorch_cuda.so");
    }

    /// <summary>The libnvrtc copies in the folder of the libtorch_cuda.so this process mapped (Linux).</summary>
    private static IEnumerable<string> NextToLibtorch()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return [];
        string? torchCuda = File.ReadLines(maps)
            .Select(line => line.IndexOf('/') is int slash and >= 0 ? line[slash..] : null)
            .FirstOrDefault(path => path is not null && Path.GetFileName(path).StartsWith("libtorch_cuda.so", StringComparison.Ordinal));
        if (torchCuda is null || Path.GetDirectoryName(torchCuda) is not string folder || !Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder, "libnvrtc*.so*").Where(path => !path.Contains("builtins", StringComparison.Ordinal));
    }
}

/// <summary>An architecture to compile for, as machine code (sm_90: a cubin) or as PTX (compute_90).</summary>
internal readonly record struct CompileTarget(int Architecture, bool MachineCode)
{
    public override string ToString() => MachineCode ? $"sm_{Architecture}" : $"compute_{Architecture}";
}
