using System.Diagnostics;

namespace VaeToolkit.PowerShell;

/// <summary>
/// A recommendation service started by Start-VaeServer: a <c>vaetoolkit-serve</c> process of its own.
/// Pipe it to Stop-VaeServer to stop it (in-flight requests are answered first).
/// </summary>
public sealed class VaeServer
{
    internal VaeServer(Process process, string url, string modelPath, string logPath)
    {
        Process = process;
        Url = url;
        ModelPath = modelPath;
        LogPath = logPath;
        StartTime = process.StartTime;
    }

    public int ProcessId => Process.Id;

    /// <summary>The address it listens on (the real port where port 0 was asked), for Invoke-RestMethod.</summary>
    public string Url { get; }

    public string ModelPath { get; }

    /// <summary>The service's log (its standard error).</summary>
    public string LogPath { get; }

    public DateTime StartTime { get; }

    public bool HasExited => Process.HasExited;

    public Process Process { get; }

    public override string ToString() => Url;
}
