namespace VaeToolkit.PowerShell.Completion;

/// <summary>
/// How many CUDA devices a process would see, from what costs nothing to read: CUDA_VISIBLE_DEVICES when it
/// is set (CUDA numbers the listed devices from 0, and stops at the first invalid entry), else the NVIDIA
/// driver's device nodes (/dev/nvidia0, /dev/nvidia1, ...). Loading libtorch or the CUDA runtime would
/// take seconds, too long for a Tab.
/// </summary>
internal static class VisibleGpus
{
    public static int Count()
    {
        if (Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES") is { } visible)
        {
            int count = 0;
            foreach (string entry in visible.Split(','))
            {
                string device = entry.Trim();
                if (device.Length == 0 || device.StartsWith('-')) break;
                count++;
            }
            return count;
        }
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/dev")) return 0;
        try
        {
            return Directory.EnumerateFiles("/dev", "nvidia*")
                .Count(node => Path.GetFileName(node)[6..] is { Length: > 0 } digits && digits.All(char.IsAsciiDigit));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
