using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace VaeToolkit.Training;

/// <summary>A human-readable name for a device, for benchmark reports ("NVIDIA H100 80GB HBM3", a CPU model).</summary>
public static partial class DeviceDescription
{
    public static string Describe(Device device)
    {
        if (device.type == DeviceType.CUDA)
            return NvidiaModel(Math.Max(device.index, 0)) ?? CudaRuntime.DeviceName(Math.Max(device.index, 0)) ?? $"CUDA device {Math.Max(device.index, 0)}";
        string cpu = CpuModel() ?? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        return $"{cpu} ({get_num_threads()} threads)";
    }

    // The NVIDIA driver lists its GPUs under /proc on Linux; elsewhere the index has to do.
    private static string? NvidiaModel(int index)
    {
        const string root = "/proc/driver/nvidia/gpus";
        if (!Directory.Exists(root)) return null;
        var folders = Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToArray();
        if (index >= folders.Length) return null;
        string information = Path.Combine(folders[index], "information");
        if (!File.Exists(information)) return null;
        var match = ModelLine().Match(File.ReadAllText(information));
        return match.Success ? match.Groups[1].Value.Trim() : null;
    }

    private static string? CpuModel()
    {
        if (!File.Exists("/proc/cpuinfo")) return null;
        var match = CpuLine().Match(File.ReadAllText("/proc/cpuinfo"));
        return match.Success ? match.Groups[1].Value.Trim() : null;
    }

    [GeneratedRegex(@"^Model:\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex ModelLine();

    [GeneratedRegex(@"^model name\s*:\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex CpuLine();
}
