using System.Diagnostics;
using System.Runtime.InteropServices;
using VaeToolkit.Training.Kernels;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training.KernelEmulation;

/// <summary>
/// Runs <c>multvae_kernels.cu</c> itself on the CPU: g++ compiles it over <c>cuda_emulation.h</c> into
/// a shared library once per test run, and <see cref="Kernels"/> gives the production
/// <see cref="CudaKernels"/> (argument checks, argument slots, launch shapes) with its launches going
/// there, on CPU tensors. Slow (a fiber per thread): for small tensors only.
/// </summary>
internal static unsafe class KernelEmulator
{
    private static readonly Lazy<(IntPtr Library, string? Error)> Library = new(Build);
    private static readonly Lock OneLaunchAtATime = new(); // the emulator's scheduler is global state

    /// <summary>Why the emulator cannot be built here (no g++), or null.</summary>
    public static string? UnavailableReason => Library.Value.Error;

    public static CudaKernels Kernels() => new(CPU, Launch);

    private static void Launch(string kernel, uint blocks, uint threads, ReadOnlySpan<ulong> arguments)
    {
        var (library, error) = Library.Value;
        if (library == IntPtr.Zero) throw new InvalidOperationException(error);
        var emulate = (delegate* unmanaged<IntPtr, uint, uint, void**, int>)NativeLibrary.GetExport(library, "emulate");
        var slots = arguments.ToArray();
        IntPtr name = Marshal.StringToCoTaskMemUTF8(kernel);
        try
        {
            fixed (ulong* values = slots)
            {
                var pointers = stackalloc void*[slots.Length];
                for (int i = 0; i < slots.Length; i++) pointers[i] = values + i;
                lock (OneLaunchAtATime)
                {
                    if (emulate(name, blocks, threads, pointers) != 0)
                        throw new InvalidOperationException($"the emulator has no kernel {kernel}");
                }
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem(name);
        }
    }

    private static (IntPtr, string?) Build()
    {
        string sources = Path.Combine(AppContext.BaseDirectory, "Training", "KernelEmulation");
        string folder = Path.Combine(Path.GetTempPath(), $"vaetoolkit-kernel-emulator-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "multvae_kernels.cu"), CudaKernels.Source());
            string library = Path.Combine(folder, "libkernel_emulator.so");
            var compile = new ProcessStartInfo("g++", ["-std=c++20", "-O1", "-shared", "-fPIC", "-I", folder, "-I", sources,
                Path.Combine(sources, "emulator.cpp"), "-o", library]) { RedirectStandardError = true, RedirectStandardOutput = true };
            Process process;
            try
            {
                process = Process.Start(compile)!;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return (IntPtr.Zero, "g++ was not found: the CUDA kernels cannot be emulated on this machine");
            }
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"g++ could not compile the kernels for emulation:{Environment.NewLine}{errors}");
            return (NativeLibrary.Load(library), null); // the loaded library outlives its deleted file
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
