using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using VaeToolkit.IO;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;
using VaeToolkit.Training;

namespace VaeToolkit.Tests.Runs;

/// <summary>
/// The kill -9 drill at fixed moments: the CLI, in a process of its own, is killed by SIGKILL inside a
/// checkpoint write, before a checkpoint's rename, before the first checkpoint, at export, inside export, inside the model folder's swap,
/// at evaluation and inside the final manifest write, and resumed after each. The run it ends with equals
/// an uninterrupted one exactly (CPU, same seed). scripts/Invoke-KillDrill.ps1 adds kills at random moments.
/// </summary>
public sealed class KillDrillTests : IDisposable
{
    private const string Config = """
        seed: 11
        data:
          dataset: synthetic
          positive_threshold: null
          heldout_users: 40
          synthetic: { users: 400, items: 120, tastes: 4, mean_items_per_user: 15 }
        model: { encoder_dims: [24, 6] }
        training: { epochs: 4, batch_size: 100, learning_rate: 0.01, total_anneal_steps: 50, threads: 1, checkpoint_step: 1 }
        """;

    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void KilledAtEveryStage_AndResumed_EndsAsAnUninterruptedRun()
    {
        string config = _scratch.Combine("drill.yaml");
        File.WriteAllText(config, Config);
        string reference = _scratch.Combine("reference");
        Assert.Equal(0, Cli(null, "train", "--config", config, "--output", reference).ExitCode);

        string run = _scratch.Combine("killed");
        string[] failPoints =
        [
            $"write:{Trainer.LastCheckpointName}",      // the first checkpoint half-written: nothing to resume yet
            $"rename:{Trainer.LastCheckpointName}@2",   // from scratch again; killed before epoch 2's checkpoint is in place
            $"write:{RunFiles.Manifest}@2",              // ... (the first manifest write is the session's start)
            "export",
            "rename:recommender.onnx",                   // the model folder half-exported
            "swap:model",                                // between the two renames that swap the new model folder in
            "evaluate",
        ];
        int kills = 0;
        for (int i = 0; i < failPoints.Length; i++)
        {
            var (exitCode, _, error) = Cli(failPoints[i], ["train", "--config", config, "--output", run, .. i == 0 ? Array.Empty<string>() : ["--resume"]]);
            Assert.True(exitCode == 137, $"'{failPoints[i]}' was not reached (exit code {exitCode}): {error}");
            kills++;
            if (i == 0) Assert.Equal(RunStatus.Interrupted, RunManifest.Load(Path.Combine(run, RunFiles.Manifest)).Status);
        }
        var (finalExit, _, finalLog) = Cli(null, "train", "--config", config, "--output", run, "--resume");
        Assert.True(finalExit == 0, finalLog);

        Assert.Equal(7, kills);
        var expected = RunManifest.Load(Path.Combine(reference, RunFiles.Manifest));
        var actual = RunManifest.Load(Path.Combine(run, RunFiles.Manifest));
        Assert.Equal(RunStatus.Completed, actual.Status);
        Assert.Equal(expected.BestEpoch, actual.BestEpoch);
        Assert.Equal(JsonSerializer.Serialize(expected.Test! with { ModelPath = "" }), JsonSerializer.Serialize(actual.Test! with { ModelPath = "" }));
        Assert.Equal(expected.History.Select(e => (e.Epoch, e.Loss, e.ValidationNdcgAt100)), actual.History.Select(e => (e.Epoch, e.Loss, e.ValidationNdcgAt100)));
        foreach (string graph in new[] { "recommender.onnx", "encoder.onnx" })
            Assert.Equal(Hash(Path.Combine(reference, RunFiles.ModelFolder, graph)), Hash(Path.Combine(run, RunFiles.ModelFolder, graph)));
        Assert.DoesNotContain(Directory.EnumerateFiles(run, "*", SearchOption.AllDirectories), AtomicFile.IsTemporary);
        Assert.Equal(failPoints.Length + 1, actual.Sessions.Count);
    }

    [Fact]
    public void ThreeProcesses_IntoOneFolder_OneTrains_TheOthersAreRefusedWithItsOwner()
    {
        string config = _scratch.Combine("drill.yaml");
        File.WriteAllText(config, Config);
        string run = _scratch.Combine("contended");
        var processes = Enumerable.Range(0, 3)
            .Select(_ => Task.Run(() => Cli(null, "train", "--config", config, "--output", run)))
            .ToArray();
        var results = processes.Select(p => p.Result).ToList();

        Assert.Single(results, r => r.ExitCode == 0);
        foreach (var (exitCode, _, error) in results.Where(r => r.ExitCode != 0))
        {
            Assert.Equal(1, exitCode);
            // The owner is named once it has recorded itself, a moment after taking the lock.
            string inUse = @"is in use by another training \((process \d+ on |its owner has not recorded itself yet)";
            string expected = $"'{System.Text.RegularExpressions.Regex.Escape(run)}' ({inUse}|already holds files)";
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(error, expected), error);
        }
        var manifest = RunManifest.Load(Path.Combine(run, RunFiles.Manifest));
        Assert.Equal((RunStatus.Completed, 4), (manifest.Status, manifest.History.Count));
        Assert.Single(manifest.Sessions);
    }

    private static string Hash(string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));

    /// <summary>Runs vaetoolkit (built beside the tests) in a process of its own, with a fail point armed.</summary>
    internal static (int ExitCode, string Output, string Error) Cli(string? failPoint, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vaetoolkit.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment[FailPoint.Variable] = failPoint ?? "";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"vaetoolkit {string.Join(' ', args)} did not end within 3 minutes");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
