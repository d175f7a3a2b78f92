using System.Diagnostics;

namespace VaeToolkit.Orchestration.Runs;

/// <summary>
/// The process that holds a run directory: recorded in the manifest while it runs, so that a reader can
/// tell a live run from one whose process died (kill -9, power loss) and left "running" behind.
/// </summary>
public sealed record RunOwner(int ProcessId, string Host, DateTime ProcessStartedUtc)
{
    public static RunOwner Current()
    {
        using var self = Process.GetCurrentProcess();
        return new RunOwner(self.Id, Environment.MachineName, self.StartTime.ToUniversalTime());
    }

    /// <summary>
    /// Whether the owner still runs: on this host, a process with its id that started when it did (ids are
    /// reused). On another host nothing can be told, and the owner is taken to be alive.
    /// </summary>
    public bool IsAlive()
    {
        if (!string.Equals(Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase)) return true;
        try
        {
            using var process = Process.GetProcessById(ProcessId);
            return !process.HasExited && Math.Abs((process.StartTime.ToUniversalTime() - ProcessStartedUtc).TotalSeconds) < 2;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false; // no such process
        }
    }

    public override string ToString() => $"process {ProcessId} on {Host}, started {ProcessStartedUtc:u}";
}
