using VaeToolkit.IO;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;
using VaeToolkit.Training;

namespace VaeToolkit.Tests.Runs;

/// <summary>The disk drill: a full disk during a checkpoint and during export, and a read-only run folder.</summary>
public sealed class DiskFaultTests
{
    private const string NoMount = "mounting a small tmpfs needs root on Linux";

    [Fact]
    public void AFullDisk_AtACheckpointOrAtExport_IsAClearError_AndTheEarlierFilesStayWhole()
    {
        var (disk, run, before) = TrainedRunOnASmallDisk();
        using var _ = disk;
        var filler = new List<string>();

        // Full as epoch 3 ends: its checkpoint cannot be written.
        var atCheckpoint = Assert.Throws<IOException>(() => Train(RunLifecycleTests.Small(3), run, progress: new OnEpoch(3, () => filler.Add(disk.Fill()))));
        Assert.Matches($"could not write .*{Trainer.LastCheckpointName}", atCheckpoint.Message);
        AssertWhole(run, before, "checkpoints");
        filler.ForEach(File.Delete);
        filler.Clear();

        // Full during the export, with room for the encoder graph but not the recommender graph: the earlier
        // model folder stays as it was (not a new encoder beside an old recommender), nothing half-written beside it.
        long room = (new FileInfo(Path.Combine(run, RunFiles.ModelFolder, ModelFiles.Encoder)).Length + 4095) / 4096 * 4096 + 4096; // whole pages
        Assert.True(new FileInfo(Path.Combine(run, RunFiles.ModelFolder, ModelFiles.Recommender)).Length > room);
        var atExport = Assert.Throws<IOException>(() => Train(RunLifecycleTests.Small(3), run, log: new OnLine("Exporting", () => filler.Add(disk.Fill(leaveBytes: room)))));
        Assert.Contains("could not write", atExport.Message);
        AssertWhole(run, before, RunFiles.ModelFolder);
        filler.ForEach(File.Delete);

        // With space again the run goes on and completes.
        Assert.Equal(3, Train(RunLifecycleTests.Small(3), run).Epochs);
        Assert.Equal(RunStatus.Completed, RunManifest.Load(Path.Combine(run, RunFiles.Manifest)).Status);
    }

    [Fact]
    public void AReadOnlyRunFolder_IsAClearError_AndNothingChanges()
    {
        var (disk, run, before) = TrainedRunOnASmallDisk();
        using var _ = disk;
        disk.SetReadOnly(true);
        try
        {
            var error = Assert.Throws<IOException>(() => Train(RunLifecycleTests.Small(3), run));
            Assert.Contains($"cannot write to the run folder '{run}'", error.Message);
            Assert.Contains("Read-only", error.Message);
            Assert.Equal(before, RunLifecycleTests.Snapshot(run));
        }
        finally
        {
            disk.SetReadOnly(false);
        }
    }

    /// <summary>A completed two-epoch run on a fresh 16 MB tmpfs, and a snapshot of its files.</summary>
    private static (SmallDisk Disk, string Run, Dictionary<string, string> Before) TrainedRunOnASmallDisk()
    {
        var disk = SmallDisk.TryMount(megabytes: 16);
        if (disk is null) Assert.Skip(NoMount);
        string run = Path.Combine(disk.Path, "run");
        try
        {
            Train(RunLifecycleTests.Small(2), run);
            return (disk, run, RunLifecycleTests.Snapshot(run));
        }
        catch
        {
            disk.Dispose();
            throw;
        }
    }

    private static TrainingRunResult Train(VaeToolkit.Configuration.VaeConfig config, string run, IProgress<TrainingProgress>? progress = null, IProgress<string>? log = null) =>
        TrainingJob.Run(new TrainingRequest(config, run, Resume: Directory.Exists(run)), progress, log, TestContext.Current.CancellationToken);

    /// <summary>The files under <paramref name="folder"/> are as in <paramref name="before"/>, and no temporary file or folder is left.</summary>
    private static void AssertWhole(string run, Dictionary<string, string> before, string folder)
    {
        var now = RunLifecycleTests.Snapshot(run);
        foreach (var (file, hash) in before.Where(f => f.Key.StartsWith(folder + Path.DirectorySeparatorChar)))
            Assert.Equal((file, hash), (file, now.GetValueOrDefault(file)));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(run, "*", SearchOption.AllDirectories), AtomicFile.IsTemporary);
        Assert.Empty(Directory.GetDirectories(run, "model.previous-*"));
    }

    private sealed class OnEpoch(int epoch, Action action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.EpochCompleted?.Epoch == epoch) action();
        }
    }

    private sealed class OnLine(string prefix, Action action) : IProgress<string>
    {
        public void Report(string value)
        {
            if (value.StartsWith(prefix, StringComparison.Ordinal)) action();
        }
    }
}
