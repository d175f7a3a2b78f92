using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace VaeToolkit.Hosting;

/// <summary>
/// The recommendation service (<c>vaetoolkit-serve.dll</c>) run as a process of its own, as Start-VaeServer
/// and <c>vaetoolkit benchmark-serve</c> run it: started with the <c>dotnet</c> that runs this process, its
/// address read from the JSON line it prints once it listens, its model awaited on <c>/healthz/ready</c>,
/// and stopped with SIGTERM, which it answers by finishing the requests in flight.
/// </summary>
public sealed class ServiceHostProcess : IDisposable
{
    private const int SigTerm = 15;

    private ServiceHostProcess(Process process, string url)
    {
        Process = process;
        Url = url;
    }

    public Process Process { get; }

    /// <summary>The address the service listens on (the real port where port 0 was asked).</summary>
    public string Url { get; }

    /// <summary>The address to call it on: a service bound to every interface is called on loopback.</summary>
    public Uri LocalUri
    {
        get
        {
            var builder = new UriBuilder(Url);
            if (builder.Host is "0.0.0.0" or "[::]" or "+" or "*") builder.Host = "127.0.0.1";
            return builder.Uri;
        }
    }

    /// <summary>
    /// Starts <paramref name="hostPath"/> with <paramref name="arguments"/> and waits until it listens and is ready.
    /// Its standard error goes to <paramref name="log"/> line by line (null: discarded). Throws
    /// <see cref="InvalidOperationException"/> or <see cref="TimeoutException"/> when it exits or takes too long.
    /// </summary>
    public static ServiceHostProcess Start(string hostPath, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment,
        Action<string>? log, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(hostPath)) throw new FileNotFoundException($"the service host '{hostPath}' does not exist", hostPath);
        var start = new ProcessStartInfo(DotnetPath()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(hostPath);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) log?.Invoke(e.Data);
        };
        process.Start();
        process.BeginErrorReadLine();
        try
        {
            var host = new ServiceHostProcess(process, ReadUrl(process, timeout, cancellationToken));
            host.WaitUntilReady(timeout, cancellationToken);
            return host;
        }
        catch
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
            throw;
        }
    }

    /// <summary>Asks the service to stop (SIGTERM) and waits; kills it after <paramref name="timeout"/>. True when it stopped by itself.</summary>
    public bool Stop(TimeSpan timeout)
    {
        if (Process.HasExited) return true;
        if (!OperatingSystem.IsWindows() && Kill(Process.Id, SigTerm) == 0 && Process.WaitForExit(timeout)) return true;
        // Windows has no SIGTERM for a process without a console of its own: it is killed.
        Process.Kill(entireProcessTree: true);
        Process.WaitForExit();
        return false;
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(30));
        Process.Dispose();
    }

    /// <summary>The <c>dotnet</c> of the runtime running this process: the service needs the same one (with ASP.NET Core).</summary>
    private static string DotnetPath()
    {
        // <root>/shared/Microsoft.NETCore.App/<version>/ -> <root>/dotnet
        string runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        string dotnet = Path.Combine(Path.GetFullPath(Path.Combine(runtime, "..", "..", "..")), OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(dotnet) ? dotnet : "dotnet";
    }

    private static string ReadUrl(Process process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var line = process.StandardOutput.ReadLineAsync(cancellationToken).AsTask();
        if (!line.Wait(timeout, cancellationToken) || line.Result is not { } text)
        {
            throw new InvalidOperationException(process.WaitForExit(TimeSpan.FromSeconds(1))
                ? $"the service exited with code {process.ExitCode} before it listened"
                : $"the service did not listen within {timeout.TotalSeconds:0} s");
        }
        string url;
        try
        {
            using var json = JsonDocument.Parse(text);
            url = json.RootElement.GetProperty("urls")[0].GetString()!;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new InvalidOperationException($"the service's first line is not its address: {text}", e);
        }
        // Keep reading standard output so that the service never blocks on a full pipe.
        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        return url;
    }

    private void WaitUntilReady(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = LocalUri, Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Process.HasExited) throw new InvalidOperationException($"the service exited with code {Process.ExitCode}");
            try
            {
                using var response = http.GetAsync("/healthz/ready", cancellationToken).GetAwaiter().GetResult();
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            if (watch.Elapsed > timeout) throw new TimeoutException($"the service's model was not ready within {timeout.TotalSeconds:0} s");
            Thread.Sleep(100);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
