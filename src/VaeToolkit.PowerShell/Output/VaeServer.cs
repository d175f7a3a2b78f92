using System.Diagnostics;
using VaeToolkit.Hosting;

namespace VaeToolkit.PowerShell;

/// <summary>
/// A recommendation service started by Start-VaeServer: a <c>vaetoolkit-serve</c> process of its own.
/// Pipe it to Stop-VaeServer to stop it (in-flight requests are answered first).
/// </summary>
public sealed class VaeServer
{
    internal VaeServer(ServiceHostProcess host, string modelPath, string logPath)
    {
        Host = host;
        ModelPath = modelPath;
        LogPath = logPath;
        StartTime = host.Process.StartTime;
    }

    internal ServiceHostProcess Host { get; }

    public int ProcessId => Host.Process.Id;

    /// <summary>The address it listens on (the real port where port 0 was asked), for Invoke-RestMethod.</summary>
    public string Url => Host.Url;

    public string ModelPath { get; }

    /// <summary>The service's log (its standard error).</summary>
    public string LogPath { get; }

    public DateTime StartTime { get; }

    public bool HasExited => Host.Process.HasExited;

    public Process Process => Host.Process;

    public override string ToString() => Url;
}
