using System.ComponentModel;
using System.Diagnostics;

namespace VaeToolkit.Orchestration.Reports;

/// <summary>
/// Opens a file with the system's default app, as PowerShell's Invoke-Item does: the shell on Windows,
/// <c>open</c> on macOS, <c>xdg-open</c> (through .NET's shell execute) on Linux, where a session without a
/// desktop is told so instead of failing in a helper it cannot see.
/// </summary>
public static class ReportViewer
{
    /// <summary>Why <paramref name="path"/> cannot be opened on this host, or null when it can be tried.</summary>
    public static string? CannotOpen(string path)
    {
        if (!File.Exists(path)) return $"cannot open '{path}': it does not exist";
        if (OperatingSystem.IsLinux() || OperatingSystem.IsFreeBSD())
        {
            bool desktop = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY"))
                || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY"));
            if (!desktop)
                return $"cannot open '{path}' with a default app: this session has no desktop (DISPLAY and WAYLAND_DISPLAY are unset); read the file itself, or print the report without -Open / --open";
        }
        return null;
    }

    /// <summary>Opens the file; throws <see cref="InvalidOperationException"/> naming it when it cannot.</summary>
    public static void Open(string path)
    {
        path = Path.GetFullPath(path);
        if (CannotOpen(path) is string reason) throw new InvalidOperationException(reason);
        try
        {
            using var process = Process.Start(new ProcessStartInfo(path) { UseShellExecute = true });
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"cannot open '{path}' with a default app: {e.Message}", e);
        }
    }
}
