using System.Security.Cryptography;
using VaeToolkit.Configuration;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Runs;

/// <summary>The run lifecycle loses nothing: refused resumptions, concurrent writers, dead owners, stale files.</summary>
public sealed class RunLifecycleTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    internal static VaeConfig Small(int epochs = 2, double learningRate = 0.01, string? dataYaml = null) => ModelRegistry.ConfigLoader.Parse($$"""
        seed: 5
        data:
        {{dataYaml ?? """
          dataset: synthetic
          positive_threshold: null
          heldout_users: 40
          synthetic: { users: 400, items: 120, tastes: 4, mean_items_per_user: 15 }
        """}}
        model: { encoder_dims: [24, 6] }
        training: { epochs: {{epochs}}, batch_size: 100, learning_rate: {{learningRate}}, total_anneal_steps: 50, threads: 1, checkpoint_step: 1 }
        """, "/configs/small.yaml");

    private static TrainingRunResult Train(TrainingRequest request, IProgress<string>? log = null) =>
        TrainingJob.Run(request, log: log, cancellationToken: TestContext.Current.CancellationToken);

    [Fact]
    public void RefusedResume_LeavesEveryFileAsItWas_AndNamesTheChangedSetting()
    {
        string run = _scratch.Combine("run");
        Train(new TrainingRequest(Small(), run));
        var before = Snapshot(run);

        var lr = Assert.Throws<ResumeMismatchException>(() => Train(new TrainingRequest(Small(4, learningRate: 0.02), run, Resume: true)));
        Assert.Contains("training.learning_rate: 0.01 -> 0.02", lr.Message);
        // A shape change is refused with the same clear message, not a tensor shape error from loading.
        var dims = Small(4) with { Model = Small().Model with { EncoderDims = [16, 6] } };
        var shape = Assert.Throws<ResumeMismatchException>(() => Train(new TrainingRequest(dims, run, Resume: true)));
        Assert.Contains("model.encoder_dims: [24, 6] -> [16, 6]", shape.Message);

        Assert.Equal(before, Snapshot(run));
        Assert.Equal(RunStatus.Completed, RunManifest.Load(Path.Combine(run, RunFiles.Manifest)).Status);
    }

    [Fact]
    public void Resume_KeepsTheEarlierSessions_StartAndTimings()
    {
        string run = _scratch.Combine("run");
        Train(new TrainingRequest(Small(2), run));
        var first = RunManifest.Load(Path.Combine(run, RunFiles.Manifest));
        Train(new TrainingRequest(Small(3), run, Resume: true));
        var manifest = RunManifest.Load(Path.Combine(run, RunFiles.Manifest));

        Assert.Equal(RunStatus.Completed, manifest.Status);
        Assert.Equal(first.StartedUtc, manifest.StartedUtc);
        Assert.Equal([1, 2, 3], manifest.History.Select(e => e.Epoch));
        Assert.Equal(Json(first.History), Json(manifest.History.Take(2)));
        Assert.Equal(2, manifest.Sessions.Count);
        Assert.Equal(Json(first.Sessions[0]), Json(manifest.Sessions[0]));
        Assert.Equal((true, 3, RunStatus.Completed), (manifest.Sessions[1].Resumed, manifest.Sessions[1].FirstEpoch, manifest.Sessions[1].Status));
        Assert.Equal(manifest.Sessions.Sum(s => s.TimingsSeconds["train"]), manifest.TimingsSeconds["train"], 9);
        Assert.Null(manifest.Owner);
    }

    [Fact]
    public void Resume_OnChangedDataWithTheSameItems_IsRefusedBeforeAnythingIsWritten()
    {
        string ratings = _scratch.Combine("ratings.csv");
        WriteRatings(ratings, users: 200, shift: 0);
        string dataYaml = $"""
              dataset: file
              path: '{ratings}'
              positive_threshold: null
              heldout_users: 20
            """;
        string run = _scratch.Combine("run");
        Train(new TrainingRequest(Small(dataYaml: dataYaml), run));
        var before = Snapshot(run);

        WriteRatings(ratings, users: 200, shift: 1); // the same items, other users' histories
        var error = Assert.Throws<ResumeMismatchException>(() => Train(new TrainingRequest(Small(3, dataYaml: dataYaml), run, Resume: true)));
        Assert.Contains("other data", error.Message);
        Assert.Equal(before, Snapshot(run));
    }

    [Fact]
    public void ASecondWriter_IsRefused_WithTheFolderAndItsOwner()
    {
        string run = _scratch.Combine("run");
        using (RunLock.Acquire(run))
        {
            var error = Assert.Throws<RunInUseException>(() => Train(new TrainingRequest(Small(), run)));
            Assert.Contains(run, error.Message);
            Assert.Contains($"process {Environment.ProcessId} on {Environment.MachineName}", error.Message);
            Assert.Throws<RunInUseException>(() => Train(new TrainingRequest(Small(), run, Resume: true)));
        }
        // Released: the folder is free again, and only the lock's files had been in it.
        Assert.Equal(2, Train(new TrainingRequest(Small(), run)).Epochs);
    }

    [Fact]
    public void ConcurrentTrainings_IntoOneFolder_OneWins_TheOthersGetAClearError()
    {
        string run = _scratch.Combine("run");
        var outcomes = Parallel4(_ => Train(new TrainingRequest(Small(), run)));

        Assert.Single(outcomes, o => o.Result is not null);
        Assert.All(outcomes.Where(o => o.Error is not null), o => Assert.True(o.Error is RunInUseException or RunDirectoryNotEmptyException, o.Error!.ToString()));
        var manifest = RunManifest.Load(Path.Combine(run, RunFiles.Manifest));
        Assert.Equal((RunStatus.Completed, 2), (manifest.Status, manifest.History.Count));
        Assert.Single(manifest.Sessions);
    }

    [Fact]
    public void ConcurrentTrainings_IntoTheDefaultFolder_EachGetAFolderOfTheirOwn()
    {
        string stem = _scratch.Combine("runs", "small-20261130-050000");
        var outcomes = Parallel4(_ => Train(new TrainingRequest(Small(), stem, IsDefaultDirectory: true)));

        Assert.All(outcomes, o => Assert.Null(o.Error));
        var folders = outcomes.Select(o => o.Result!.RunPath).ToHashSet();
        Assert.Equal([stem, stem + "-2", stem + "-3", stem + "-4"], folders.Order());
        Assert.All(folders, f => Assert.Equal(RunStatus.Completed, RunManifest.Load(Path.Combine(f, RunFiles.Manifest)).Status));
    }

    [Fact]
    public void AManifestWhoseOwnerDied_ReadsAsInterrupted_AndResumeStartsOverAndCleansUp()
    {
        // What kill -9 before the first checkpoint leaves: config, a "running" manifest of a dead
        // process, the best weights without their checkpoint, and a half-written checkpoint.
        string run = _scratch.Combine("run");
        Train(new TrainingRequest(Small(1), run));
        var dead = DeadProcess();
        string manifestPath = Path.Combine(run, RunFiles.Manifest);
        (RunManifest.Load(manifestPath) with { Status = RunStatus.Running, Owner = dead, Test = null }).Save(manifestPath);
        string checkpoints = Path.Combine(run, RunFiles.CheckpointFolder);
        File.Delete(Path.Combine(checkpoints, Trainer.LastCheckpointName));
        string stale = Path.Combine(checkpoints, $"{Trainer.LastCheckpointName}.tmp-{dead.ProcessId}-{Guid.NewGuid():N}");
        File.WriteAllBytes(stale, new byte[4096]);

        var manifest = RunManifest.Load(manifestPath);
        Assert.Equal(RunStatus.Interrupted, manifest.Status);
        Assert.Contains($"process {dead.ProcessId}", manifest.Error);
        Assert.Throws<RunDirectoryNotEmptyException>(() => Train(new TrainingRequest(Small(), run)));

        var log = new List<string>();
        var resumed = Train(new TrainingRequest(Small(2), run, Resume: true), new Collect(log));
        Assert.Contains(log, line => line.Contains("holds no checkpoint") && line.Contains("starting from epoch 1"));
        Assert.Contains(log, line => line.StartsWith("Removed 1 temporary file"));
        Assert.False(File.Exists(stale));
        var fresh = Train(new TrainingRequest(Small(2), _scratch.Combine("fresh")));
        Assert.Equal(fresh.Test with { ModelPath = "" }, resumed.Test with { ModelPath = "" });
    }

    [Fact]
    public void BestWeights_RecordTheirEpoch_AndAMismatchIsAnError()
    {
        string run = _scratch.Combine("run");
        var result = Train(new TrainingRequest(Small(2), run));
        string best = Path.Combine(run, RunFiles.CheckpointFolder, Trainer.BestWeightsName(result.BestEpoch));
        Assert.Equal([Path.GetFileName(best)], Directory.GetFiles(Path.GetDirectoryName(best)!, "best-*").Select(Path.GetFileName));
        int items = RunManifest.Load(Path.Combine(run, RunFiles.Manifest)).Data!.Items;
        using var model = new VaeToolkit.Training.Model.MultVae(items, Small().Model);
        Checkpoint.LoadWeights(best, model, result.BestEpoch);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadWeights(best, model, result.BestEpoch + 7));
        Assert.Contains($"holds epoch {result.BestEpoch}'s weights", error.Message);
        Assert.Contains(best, error.Message);

        var state = Checkpoint.ReadState(Path.Combine(run, RunFiles.CheckpointFolder, Trainer.LastCheckpointName));
        Assert.Equal((2, result.BestEpoch, items), (state.Epoch, state.BestEpoch, state.ItemCount));
        Assert.Equal(RunManifest.Load(Path.Combine(run, RunFiles.Manifest)).Data!.DataHash, state.DataHash);
    }

    [Fact]
    public void BestWeightsWrittenAheadOfTheirCheckpoint_AreNotTheOnesUsed()
    {
        // kill -9 after a new best's weights were written and before the checkpoint naming them: the
        // checkpoint's own best must still be there, and be what the run exports.
        string run = _scratch.Combine("run");
        var first = Train(new TrainingRequest(Small(2), run));
        int items = RunManifest.Load(Path.Combine(run, RunFiles.Manifest)).Data!.Items;
        using (var other = new VaeToolkit.Training.Model.MultVae(items, Small().Model))
            Checkpoint.SaveWeights(Path.Combine(run, RunFiles.CheckpointFolder, Trainer.BestWeightsName(3)), other, epoch: 3);

        var resumed = Train(new TrainingRequest(Small(2), run, Resume: true));
        Assert.Equal(first.BestEpoch, resumed.BestEpoch);
        Assert.Equal(first.Test with { ModelPath = "" }, resumed.Test with { ModelPath = "" });
    }

    [Fact]
    public void ADamagedCheckpointHeader_IsALocatedError()
    {
        string run = _scratch.Combine("run");
        Train(new TrainingRequest(Small(1), run));
        string checkpoint = Path.Combine(run, RunFiles.CheckpointFolder, Trainer.LastCheckpointName);
        byte[] bytes = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint, bytes[..40]);
        var error = Assert.Throws<InvalidDataException>(() => Train(new TrainingRequest(Small(2), run, Resume: true)));
        Assert.Contains(checkpoint, error.Message);
        Assert.Equal(40, new FileInfo(checkpoint).Length);
    }

    [Fact]
    public void AFlippedByteInTheWeights_IsRefusedByTheChecksum_BeforeLoading()
    {
        string run = _scratch.Combine("run");
        var result = Train(new TrainingRequest(Small(1), run));
        string checkpoint = Path.Combine(run, RunFiles.CheckpointFolder, Trainer.LastCheckpointName);
        FlipByteNearTheEnd(checkpoint); // in the optimizer state: TorchSharp would load it without a word
        var before = Snapshot(run);

        var error = Assert.Throws<InvalidDataException>(() => Train(new TrainingRequest(Small(2), run, Resume: true)));
        Assert.Equal($"{checkpoint} is damaged: its bytes do not match the SHA-256 written with them (truncated, or changed on disk)", error.Message);
        Assert.Equal(before, Snapshot(run));

        string best = Path.Combine(run, RunFiles.CheckpointFolder, Trainer.BestWeightsName(result.BestEpoch));
        FlipByteNearTheEnd(best);
        int items = RunManifest.Load(Path.Combine(run, RunFiles.Manifest)).Data!.Items;
        using var model = new VaeToolkit.Training.Model.MultVae(items, Small().Model);
        Assert.Contains($"{best} is damaged", Assert.Throws<InvalidDataException>(() => Checkpoint.LoadWeights(best, model, result.BestEpoch)).Message);
    }

    private static void FlipByteNearTheEnd(string file)
    {
        byte[] bytes = File.ReadAllBytes(file);
        bytes[^100] ^= 0x40;
        File.WriteAllBytes(file, bytes);
    }

    /// <summary>Every file of a folder with its SHA-256 and time, to compare before and after.</summary>
    internal static Dictionary<string, string> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(
            file => Path.GetRelativePath(folder, file),
            file => $"{Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))} {File.GetLastWriteTimeUtc(file):O}");

    private static string Json(object value) => System.Text.Json.JsonSerializer.Serialize(value, RunManifest.Json);

    private static void WriteRatings(string path, int users, int shift)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine("userId,movieId,rating");
        for (int u = 0; u < users; u++)
            for (int k = 0; k < 12; k++)
                writer.WriteLine($"{u},{(u * 7 + k * 5 + (k < 2 ? shift : 0)) % 60},4");
    }

    private static RunOwner DeadProcess()
    {
        using var process = System.Diagnostics.Process.Start("sleep", "30")!;
        var owner = new RunOwner(process.Id, Environment.MachineName, process.StartTime.ToUniversalTime());
        process.Kill();
        process.WaitForExit();
        return owner;
    }

    private static List<(TrainingRunResult? Result, Exception? Error)> Parallel4(Func<int, TrainingRunResult> train)
    {
        var outcomes = new (TrainingRunResult?, Exception?)[4];
        using var start = new Barrier(4);
        var threads = Enumerable.Range(0, 4).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            try { outcomes[i] = (train(i), null); }
            catch (Exception e) { outcomes[i] = (null, e); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return [.. outcomes];
    }

    private sealed class Collect(List<string> lines) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (lines) lines.Add(value);
        }
    }
}
