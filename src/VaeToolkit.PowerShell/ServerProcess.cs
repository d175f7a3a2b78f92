using VaeToolkit.Hosting;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Start-VaeServer's service: the module ships it in <c>serve/</c> (ASP.NET Core, no TorchSharp), as a
/// process of its own (<see cref="ServiceHostProcess"/>), since ASP.NET Core cannot be loaded into
/// PowerShell's process. Its log goes to a file.
/// </summary>
internal static class ServerProcess
{
    public static string HostPath => Path.Combine(Path.GetDirectoryName(typeof(ServerProcess).Assembly.Location)!, "serve", "vaetoolkit-serve.dll");

    /// <summary>Starts the service and waits until its model is ready, or throws with the end of its log.</summary>
    public static VaeServer Start(string modelPath, IReadOnlyList<string> arguments, string? apiKey, string logPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!File.Exists(HostPath)) throw new FileNotFoundException($"the module has no service host at '{HostPath}'; rebuild the module (./build.ps1)", HostPath);
        // The key goes by environment, never on the command line that process listings show.
        var environment = apiKey is null ? null : new Dictionary<string, string> { ["VAETOOLKIT_API_KEY"] = apiKey };
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var logLock = new Lock();
        void Write(string line)
        {
            lock (logLock) log.WriteLine(line);
        }
        try
        {
            var host = ServiceHostProcess.Start(HostPath, ["--model", modelPath, .. arguments], environment, Write, timeout, cancellationToken);
            host.Process.EnableRaisingEvents = true;
            host.Process.Exited += (_, _) =>
            {
                host.Process.WaitForExit(); // lets the last lines of standard error arrive
                lock (logLock) log.Dispose();
            };
            return new VaeServer(host, modelPath, logPath);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            Thread.Sleep(200); // the last lines of standard error
            lock (logLock) log.Dispose();
            throw new InvalidOperationException($"{e.Message}; the end of its log ({logPath}): {LogTail(logPath)}", e);
        }
    }

    private static string LogTail(string path)
    {
        try
        {
            string[] lines = File.ReadAllLines(path).Where(line => line.Trim().Length > 0).ToArray();
            return lines.Length == 0 ? "(empty)" : string.Join(" | ", lines[^Math.Min(3, lines.Length)..]);
        }
        catch (IOException e)
        {
            return $"(unreadable: {e.Message})";
        }
    }
}
