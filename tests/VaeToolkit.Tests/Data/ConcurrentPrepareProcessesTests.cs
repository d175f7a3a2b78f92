using System.Diagnostics;
using System.Text.Json;
using VaeToolkit.Data.Caching;
using VaeToolkit.IO;

namespace VaeToolkit.Tests.Data;

/// <summary>Several <c>vaetoolkit prepare</c> processes preparing the real ml-latest-small at once, into one cache.</summary>
public sealed class ConcurrentPrepareProcessesTests : IDisposable
{
    private const int Processes = 3;
    private const string KnownDatasetsName = "ml-latest-small";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task ProcessesPreparingOneDataSet_PrepareItOnce_AndAllSucceed()
    {
        string cache = _scratch.Combine("prepared");
        string lockPath = new PreparedDataCache(cache, long.MaxValue).LockPath(KnownDatasetsName);
        var runs = new List<(Process Process, Task<string> Output, List<string> Log)>();
        using var waiting = new CountdownEvent(Processes);
        try
        {
            // The test holds the data set's turn while the processes start, so that they surely overlap: each must
            // wait for it, and once it is free exactly one of them may prepare the data set.
            using (FileLock.Acquire(lockPath, cancellationToken: TestContext.Current.CancellationToken))
            {
                for (int i = 0; i < Processes; i++) runs.Add(Start(cache, waiting));
                var clock = Stopwatch.StartNew();
                while (!waiting.Wait(50, TestContext.Current.CancellationToken) && !runs.All(run => run.Process.HasExited))
                    Assert.True(clock.Elapsed < Patience, "the processes neither waited for their turn nor finished");
            }
            foreach (var run in runs) Assert.True(run.Process.WaitForExit(Patience), "a prepare process did not finish");

            var reports = new List<JsonElement>();
            foreach (var (process, output, log) in runs)
            {
                process.WaitForExit(); // drains the redirected streams
                Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {string.Join('\n', log)}");
                using var report = JsonDocument.Parse(await output);
                reports.Add(report.RootElement.Clone());
            }
            Assert.Single(reports, report => !report.GetProperty("from_cache").GetBoolean());
            Assert.Single(reports.Select(report => report.GetProperty("data_hash").GetString()).Distinct());
            Assert.Single(Directory.GetFiles(cache, "*.vprep"));
            Assert.Empty(Directory.GetFiles(cache, "*.tmp-*"));
        }
        finally
        {
            foreach (var run in runs)
            {
                if (!run.Process.HasExited) run.Process.Kill();
                run.Process.Dispose();
            }
        }
    }

    private static (Process, Task<string>, List<string>) Start(string cache, CountdownEvent waiting)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "vaetoolkit.dll");
        var start = new ProcessStartInfo(DotnetHost(), [cli, "prepare", "--dataset", KnownDatasetsName, "--source", TestData.MovieLensSmallDirectory, "--cache", cache])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        var log = new List<string>();
        bool signalled = false;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (log)
            {
                log.Add(e.Data);
                if (!signalled && e.Data.StartsWith("Waiting for another process", StringComparison.Ordinal))
                {
                    signalled = true;
                    waiting.Signal();
                }
            }
        };
        process.BeginErrorReadLine();
        return (process, process.StandardOutput.ReadToEndAsync(), log);
    }

    // The dotnet host that runs these tests (dotnet test sets DOTNET_HOST_PATH), else the one on the PATH.
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path
        : "dotnet";
}
