using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Starts and stops the recommendation service as a process of its own: the module ships the service
/// (<c>serve/vaetoolkit-serve.dll</c>, ASP.NET Core, no TorchSharp), which cannot be loaded into
/// PowerShell's own process. The service prints one JSON line with its addresses once it listens.
/// </summary>
internal static class ServerProcess
{
    private const int SigTerm = 15;

    public static string HostPath => Path.Combine(Path.GetDirectoryName(typeof(ServerProcess).Assembly.Location)!, "serve", "vaetoolkit-serve.dll");

    /// <summary>The <c>dotnet</c> that runs this PowerShell: the service needs the same runtime (with ASP.NET Core).</summary>
    private static string DotnetPath()
    {
        // <root>/shared/Microsoft.NETCore.App/<version>/ -> <root>/dotnet
        string runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        string root = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        string dotnet = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(dotnet) ? dotnet : "dotnet";
    }

    /// <summary>Starts the service and waits until it listens and its model is ready, or throws with the log's last lines.</summary>
    public static VaeServer Start(string modelPath, IReadOnlyList<string> arguments, string? apiKey, string logPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!File.Exists(HostPath)) throw new FileNotFoundException($"the module has no service host at '{HostPath}'; rebuild the module (./build.ps1)", HostPath);
        var start = new ProcessStartInfo(DotnetPath())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostPath);
        start.ArgumentList.Add("--model");
        start.ArgumentList.Add(modelPath);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        // The key goes by environment, never on the command line that process listings show.
        if (apiKey is not null) start.Environment["VAETOOLKIT_API_KEY"] = apiKey;

        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (log) log.WriteLine(e.Data);
        };
        process.Exited += (_, _) =>
        {
            process.WaitForExit(); // lets the last standard-error lines arrive
            lock (log) log.Dispose();
        };
        process.Start();
        process.BeginErrorReadLine();

        try
        {
            string url = ReadUrl(process, timeout, cancellationToken);
            WaitUntilReady(process, url, timeout, cancellationToken);
            return new VaeServer(process, url, modelPath, logPath);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or JsonException or KeyNotFoundException)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new InvalidOperationException($"{e.Message}; the end of its log ({logPath}): {LogTail(logPath)}", e);
        }
    }

    /// <summary>Asks the service to stop (SIGTERM: it answers in-flight requests first) and waits; kills it after <paramref name="timeout"/>. True when it stopped by itself.</summary>
    public static bool Stop(VaeServer server, TimeSpan timeout)
    {
        var process = server.Process;
        if (process.HasExited) return true;
        if (!OperatingSystem.IsWindows() && Kill(process.Id, SigTerm) == 0 && process.WaitForExit(timeout)) return true;
        // Windows has no SIGTERM for a process without a console of its own: it is killed.
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return false;
    }

    private static string ReadUrl(Process process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var line = process.StandardOutput.ReadLineAsync(cancellationToken).AsTask();
        if (!line.Wait(timeout) || line.Result is not { } text)
        {
            throw new InvalidOperationException(process.HasExited
                ? $"the service exited with code {process.ExitCode} before it listened"
                : $"the service did not listen within {timeout.TotalSeconds:0} s");
        }
        using var json = JsonDocument.Parse(text);
        string url = json.RootElement.GetProperty("urls")[0].GetString()!;
        // Keep reading standard output so that the service never blocks on a full pipe.
        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        return url;
    }

    private static void WaitUntilReady(Process process, string url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var builder = new UriBuilder(url);
        // A service bound to every address is asked on loopback.
        if (builder.Host is "0.0.0.0" or "[::]" or "+" or "*") builder.Host = "127.0.0.1";
        using var http = new HttpClient { BaseAddress = builder.Uri, Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited) throw new InvalidOperationException($"the service exited with code {process.ExitCode}");
            try
            {
                using var response = http.GetAsync("/healthz/ready", cancellationToken).GetAwaiter().GetResult();
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            if (watch.Elapsed > timeout)
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"the service's model was not ready within {timeout.TotalSeconds:0} s"));
            Thread.Sleep(100);
        }
    }

    private static string LogTail(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            string[] lines = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return lines.Length == 0 ? "(empty)" : string.Join(" | ", lines[^Math.Min(3, lines.Length)..]);
        }
        catch (IOException e)
        {
            return $"(unreadable: {e.Message})";
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
