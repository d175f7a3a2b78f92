using Tensorboard;
using VaeToolkit.Configuration;
using VaeToolkit.Orchestration.Benchmarks;
using VaeToolkit.Orchestration.Monitoring;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Runs;

/// <summary>
/// A run's TensorBoard log read back from its event files, with a TFRecord reader of this test's own that checks
/// every record's CRC-32C (as TensorBoard does): its scalars are the manifest's epoch records, a resumed run adds
/// the missing epochs without repeating one, and the stop reason reaches the manifest and the result.
/// </summary>
public sealed class TensorBoardLogTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static VaeConfig Small(int epochs, string extra = "", string model = "encoder_dims: [32, 8]", double learningRate = 0.01) => ModelRegistry.ConfigLoader.Parse($$"""
        seed: 3
        data:
          dataset: synthetic
          positive_threshold: null
          heldout_users: 60
          synthetic: { users: 600, items: 200, tastes: 4, mean_items_per_user: 20 }
        model: { {{model}} }
        training: { epochs: {{epochs}}, batch_size: 100, learning_rate: {{learningRate}}, total_anneal_steps: 50, threads: 1, checkpoint_step: 1{{extra}} }
        """, "/configs/small.yaml");

    [Theory]
    [InlineData("fp32")]
    [InlineData("fp16")] // with the loss scale
    public void EveryEpochsScalars_AreTheManifestsEpochRecords(string precision)
    {
        string run = _scratch.Combine("run");
        var config = Small(epochs: 3, extra: ", validation_step: 2") with { Precision = precision };
        var result = TrainingJob.Run(new TrainingRequest(config, run), cancellationToken: TestContext.Current.CancellationToken);

        var manifest = RunManifest.Load(Path.Combine(run, RunFiles.Manifest));
        var scalars = ReadScalars(Path.Combine(run, TensorBoardLog.FolderName));
        Assert.Equal(ExpectedScalars(manifest.History, config.Training.LearningRate, iterative: true), Sorted(scalars));
        // validation_step 2 over 3 epochs: validated after 2 and after the last.
        Assert.Equal([2L, 3L], scalars.Where(s => s.Tag == TensorBoardLog.ValidationNdcgTag).Select(s => s.Step));
        Assert.Equal(precision == "fp16" ? [1L, 2L, 3L] : [], scalars.Where(s => s.Tag == TensorBoardLog.LossScaleTag).Select(s => s.Step));
        Assert.Equal((TrainingStop.Completed, TrainingStop.Completed), (manifest.StopReason, result.StopReason));
        Assert.Contains("epoch", manifest.StopDescription);
    }

    [Fact]
    public void AResumedRun_LogsTheMissingEpochsOnce()
    {
        string run = _scratch.Combine("resumed");
        using (var cancel = new CancellationTokenSource())
        {
            var stopAfterTwo = new SyncProgress(p => { if (p.EpochCompleted?.Epoch == 2) cancel.Cancel(); });
            Assert.ThrowsAny<OperationCanceledException>(() => TrainingJob.Run(new TrainingRequest(Small(epochs: 4), run), stopAfterTwo, cancellationToken: cancel.Token));
        }
        var interrupted = RunManifest.Load(Path.Combine(run, RunFiles.Manifest));
        Assert.Equal(RunStatus.Interrupted, interrupted.Status);
        Assert.Equal(TrainingStop.Cancelled, interrupted.StopReason);
        Assert.Contains("after epoch 2", interrupted.StopDescription);
        Assert.Equal([1L, 2L], ReadScalars(Path.Combine(run, TensorBoardLog.FolderName)).Select(s => s.Step).Distinct().Order());

        // The resumption logs epochs 3 and 4 in a file of its own, and 1 and 2 not again.
        TrainingJob.Run(new TrainingRequest(Small(epochs: 4), run, Resume: true), cancellationToken: TestContext.Current.CancellationToken);

        var manifest = RunManifest.Load(Path.Combine(run, RunFiles.Manifest));
        var scalars = ReadScalars(Path.Combine(run, TensorBoardLog.FolderName));
        Assert.Equal(4, manifest.History.Count);
        Assert.Equal(ExpectedScalars(manifest.History, 0.01, iterative: true), Sorted(scalars));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(run, TensorBoardLog.FolderName), "events.out.tfevents.*").Length);
    }

    [Fact]
    public void AnEpochLoggedBeforeAKill_IsNotLoggedAgain_AndACheckpointsEpochsMissingFromTheLogAreAdded()
    {
        string run = _scratch.Combine("killed");
        TrainingJob.Run(new TrainingRequest(Small(epochs: 2), run), cancellationToken: TestContext.Current.CancellationToken);
        string folder = Path.Combine(run, TensorBoardLog.FolderName);
        string[] first = Directory.GetFiles(folder);
        Assert.Single(first);
        // As a run killed after logging epoch 3 but before its checkpoint: an extra file holding epoch 3's loss.
        var config = Small(epochs: 3);
        var planted = TensorBoardLog.Open(run, config, iterative: true, [], log: null);
        var fake = new EpochRecord(3, 123.5, 0.1, 1, 480, null, null, 60);
        planted.Write(fake);
        // And the first session's log lost: its epochs come back from the checkpoint's history.
        File.Delete(first[0]);

        TrainingJob.Run(new TrainingRequest(config, run, Resume: true), cancellationToken: TestContext.Current.CancellationToken);

        var manifest = RunManifest.Load(Path.Combine(run, RunFiles.Manifest));
        var scalars = ReadScalars(folder);
        Assert.Equal(scalars.Count, scalars.Select(s => (s.Tag, s.Step)).Distinct().Count());
        Assert.Equal([1L, 2L, 3L], scalars.Select(s => s.Step).Distinct().Order());
        // Epoch 3's scalars are the planted ones (none written twice) but for its validation, which the killed session
        // had not logged; epochs 1 and 2 are the manifest's, from the checkpoint's history.
        var expected = ExpectedScalars([manifest.History[0], manifest.History[1], fake], 0.01, iterative: true);
        expected.Add(new(TensorBoardLog.ValidationNdcgTag, 3, (float)manifest.History[2].ValidationNdcgAt100!.Value));
        Assert.Equal(Sorted(expected), Sorted(scalars));
        Assert.NotEqual(123.5, manifest.History[2].Loss);
    }

    [Fact]
    public void EarlyStopping_ReachesTheManifestAndTheResult_NotTheBenchmark()
    {
        string run = _scratch.Combine("early");
        // patience 1 with a learning rate high enough that validation soon falls.
        var config = Small(epochs: 12, extra: ", early_stopping_patience: 1", learningRate: 0.05);
        var result = TrainingJob.Run(new TrainingRequest(config, run), cancellationToken: TestContext.Current.CancellationToken);

        var manifest = RunManifest.Load(Path.Combine(run, RunFiles.Manifest));
        Assert.Equal(TrainingStop.EarlyStopping, manifest.StopReason);
        Assert.Equal(TrainingStop.EarlyStopping, result.StopReason);
        int last = manifest.History[^1].Epoch;
        Assert.InRange(last, 2, 11);
        Assert.Equal(last, result.Epochs);
        // Stopped at the first validation that did not beat the one before it; the best is that one before.
        var ndcgs = manifest.History.Select(e => e.ValidationNdcgAt100!.Value).ToArray();
        Assert.True(ndcgs[^1] <= ndcgs[^2]);
        for (int i = 1; i < ndcgs.Length - 1; i++) Assert.True(ndcgs[i] > ndcgs[i - 1]);
        Assert.Equal(last - 1, result.BestEpoch);
        Assert.Contains($"after epoch {last}", result.StopDescription);
        Assert.Equal(result.StopDescription, manifest.StopDescription);
        Assert.Equal(ExpectedScalars(manifest.History, 0.05, iterative: true), Sorted(ReadScalars(Path.Combine(run, TensorBoardLog.FolderName))));

        // The benchmark times every configured epoch of the same config.
        var benchmark = TrainingBenchmark.Run(config, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(12, benchmark.EpochSeconds.Count);
    }

    [Fact]
    public void Ease_LogsEachCandidatesNdcgAndLambda()
    {
        string run = _scratch.Combine("ease");
        var config = Small(epochs: 1, model: "type: ease, ease: { lambda_grid: [10, 100, 1000] }");
        TrainingJob.Run(new TrainingRequest(config, run), cancellationToken: TestContext.Current.CancellationToken);

        var manifest = RunManifest.Load(Path.Combine(run, RunFiles.Manifest));
        var scalars = ReadScalars(Path.Combine(run, TensorBoardLog.FolderName));
        Assert.Equal(ExpectedScalars(manifest.History, 0, iterative: false), Sorted(scalars));
        Assert.Equal([10f, 100f, 1000f], scalars.Where(s => s.Tag == "settings/lambda").OrderBy(s => s.Step).Select(s => s.Value));
        Assert.DoesNotContain(scalars, s => s.Tag == TensorBoardLog.LossTag);
    }

    /// <summary>What the log must hold for <paramref name="history"/>, written out tag by tag.</summary>
    private static List<TensorBoardScalar> ExpectedScalars(IEnumerable<EpochRecord> history, double learningRate, bool iterative)
    {
        var expected = new List<TensorBoardScalar>();
        foreach (var e in history)
        {
            if (iterative)
            {
                expected.Add(new("train/loss", e.Epoch, (float)e.Loss));
                expected.Add(new("train/kl_weight", e.Epoch, (float)e.KlWeight));
                expected.Add(new("train/learning_rate", e.Epoch, (float)learningRate));
            }
            if (e.ValidationNdcgAt100 is double ndcg) expected.Add(new("validation/ndcg_at_100", e.Epoch, (float)ndcg));
            expected.Add(new("time/epoch_train_seconds", e.Epoch, (float)e.TrainSeconds));
            expected.Add(new("time/train_users_per_second", e.Epoch, (float)(e.TrainUsers / e.TrainSeconds)));
            if (e.LossScale is double scale) expected.Add(new("train/loss_scale", e.Epoch, (float)scale));
            foreach (var (name, value) in e.Settings ?? new Dictionary<string, double>()) expected.Add(new("settings/" + name, e.Epoch, (float)value));
        }
        return Sorted(expected);
    }

    private static List<TensorBoardScalar> Sorted(IEnumerable<TensorBoardScalar> scalars) =>
        scalars.OrderBy(s => s.Step).ThenBy(s => s.Tag, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Every scalar of the folder's event files, each record's framing read here and both its CRCs checked: a
    /// uint64 length, the masked CRC-32C of its 8 bytes, the Event, the masked CRC-32C of the Event's bytes.
    /// </summary>
    private static List<TensorBoardScalar> ReadScalars(string folder)
    {
        var scalars = new List<TensorBoardScalar>();
        foreach (string file in Directory.GetFiles(folder, "events.out.tfevents.*"))
        {
            byte[] bytes = File.ReadAllBytes(file);
            int at = 0;
            bool first = true;
            while (at < bytes.Length)
            {
                var lengthBytes = bytes.AsSpan(at, 8);
                Assert.Equal(MaskedCrc32C(lengthBytes), BitConverter.ToUInt32(bytes, at + 8));
                int length = checked((int)BitConverter.ToUInt64(bytes, at));
                var payload = bytes.AsSpan(at + 12, length);
                Assert.Equal(MaskedCrc32C(payload), BitConverter.ToUInt32(bytes, at + 12 + length));
                at += 12 + length + 4;
                var e = Event.Parser.ParseFrom(payload.ToArray()); // TorchSharp's generated Event parses from arrays, not spans
                if (first) Assert.Equal("brain.Event:2", e.FileVersion); // what TensorBoard looks for first
                first = false;
                foreach (var value in e.Summary?.Value ?? [])
                    scalars.Add(new TensorBoardScalar(value.Tag, e.Step, value.SimpleValue));
            }
        }
        return scalars;
    }

    /// <summary>TFRecord's masked CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit.</summary>
    private static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        crc = ~crc;
        return ((crc >> 15) | (crc << 17)) + 0xA282EAD8;
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
