using VaeToolkit.Configuration;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Orchestration.Sweeps;
using VaeToolkit.Runs;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Sweeps;

/// <summary>Sweeps of tiny synthetic runs (a second or two each) end to end: run folders, table, resumption.</summary>
public sealed class SweepRunnerTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();
    private readonly string _config;

    public SweepRunnerTests()
    {
        _config = _scratch.Combine("tiny.yaml");
        File.WriteAllText(_config, """
            seed: 3
            data:
              dataset: synthetic
              positive_threshold: null
              heldout_users: 40
              synthetic: { users: 400, items: 150, tastes: 4, mean_items_per_user: 20 }
            model: { encoder_dims: [32, 8] }
            training: { epochs: 2, batch_size: 100, learning_rate: 0.01, total_anneal_steps: 50, checkpoint_step: 1 }
            """);
    }

    public void Dispose() => _scratch.Dispose();

    private SweepRequest Grid(string folder, int parallelism = 1, params SweepDimension[] dimensions) =>
        new(_config, [], SweepPlan.Grid(dimensions.Length > 0 ? dimensions : [new SweepChoice("model.dropout", ["0.2", "0.5"])]), _scratch.Combine(folder), parallelism);

    private static RunManifest Manifest(string runPath) => RunManifest.Load(Path.Combine(runPath, RunFiles.Manifest));

    [Fact]
    public void Run_TrainsEveryTrialInItsFolder_TwoAtATime_AndRanksThemFromTheirManifests()
    {
        int threadsBefore = TorchSharp.torch.get_num_threads();
        var result = SweepRunner.Run(Grid("sweep", parallelism: 2), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(threadsBefore, TorchSharp.torch.get_num_threads()); // the share is given back
        Assert.Equal(2, result.Trials.Count);
        Assert.True(result.Trials[0].BestValidationNdcgAt100 >= result.Trials[1].BestValidationNdcgAt100);
        Assert.Same(result.Trials[0], result.Best);
        foreach (var row in result.Trials)
        {
            Assert.Equal(SweepTrialStatus.Trained, row.Status);
            Assert.Equal(_scratch.Combine("sweep", row.Trial.Name), row.RunPath);
            var manifest = Manifest(row.RunPath);
            Assert.Equal(RunStatus.Completed, manifest.Status);
            Assert.Equal(manifest.BestValidationNdcgAt100, row.BestValidationNdcgAt100);
            Assert.Equal(manifest.BestEpoch, row.BestEpoch);
            Assert.Equal(manifest.Test!.NdcgAt100, row.TestNdcgAt100);
            Assert.Equal(manifest.TimingsSeconds["total"], row.Seconds);
            // The run folder trained with the trial's setting, on top of the base config.
            var trained = ModelRegistry.ConfigLoader.Load(Path.Combine(row.RunPath, RunFiles.Config));
            Assert.Equal(double.Parse(row.Trial.Settings[0].Value, System.Globalization.CultureInfo.InvariantCulture), trained.Model.Dropout);
            Assert.Equal(new[] { 32, 8 }, trained.Model.EncoderDims);
        }
        Assert.Equal(["001-dropout=0.2", "002-dropout=0.5"], result.Trials.Select(t => t.Trial.Name).Order());

        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(_scratch.Combine("sweep", SweepResultsFile.JsonName)));
        Assert.Equal(result.Best!.Trial.Name, json.RootElement.GetProperty("best").GetString());
        Assert.Equal(3, File.ReadAllLines(_scratch.Combine("sweep", SweepResultsFile.CsvName)).Length);
    }

    [Fact]
    public void ParallelTrials_TrainAsEachWouldAlone()
    {
        // One libtorch thread for all, so that only the trials' overlap differs between the two sweeps.
        SweepRequest Three(string folder, int parallelism) => new(_config, ["training.threads=1"],
            SweepPlan.Grid([new SweepChoice("model.dropout", ["0.2", "0.4", "0.6"])]), _scratch.Combine(folder), parallelism);

        var alone = SweepRunner.Run(Three("one-at-a-time", 1), cancellationToken: TestContext.Current.CancellationToken);
        var together = SweepRunner.Run(Three("three-at-a-time", 3), cancellationToken: TestContext.Current.CancellationToken);

        static IEnumerable<(string, double?, double?)> Scores(SweepResult result) =>
            result.Trials.OrderBy(t => t.Trial.Index).Select(t => (t.Trial.Name, t.BestValidationNdcgAt100, t.TestNdcgAt100));
        Assert.Equal(Scores(alone), Scores(together));
    }

    [Fact]
    public void Rerun_OfTheSameSweep_SkipsCompletedTrials_WithoutTouchingThem()
    {
        var first = SweepRunner.Run(Grid("sweep"), cancellationToken: TestContext.Current.CancellationToken);
        var written = first.Trials.ToDictionary(t => t.Trial.Name, t => File.GetLastWriteTimeUtc(Path.Combine(t.RunPath, RunFiles.Manifest)));

        var second = SweepRunner.Run(Grid("sweep"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.All(second.Trials, t => Assert.Equal(SweepTrialStatus.Skipped, t.Status));
        Assert.All(second.Trials, t => Assert.Equal(written[t.Trial.Name], File.GetLastWriteTimeUtc(Path.Combine(t.RunPath, RunFiles.Manifest))));
        Assert.All(second.Trials, t => Assert.Single(Manifest(t.RunPath).Sessions));
        Assert.Equal(first.Trials.Select(t => (t.Trial.Name, t.BestValidationNdcgAt100)), second.Trials.Select(t => (t.Trial.Name, t.BestValidationNdcgAt100)));
    }

    [Fact]
    public void InterruptedTrial_IsResumedFromItsCheckpoint_ByTheSameSweep()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var request = Grid("sweep", 1, new SweepChoice("training.epochs", ["4"]));
        var progress = new Inline<SweepProgress>(p =>
        {
            if (p.Training?.EpochCompleted?.Epoch == 2) stop.Cancel();
        });

        Assert.ThrowsAny<OperationCanceledException>(() => SweepRunner.Run(request, progress, cancellationToken: stop.Token));
        string runPath = _scratch.Combine("sweep", "001-epochs=4");
        Assert.Equal(RunStatus.Interrupted, Manifest(runPath).Status);
        Assert.Contains("\"status\": \"interrupted\"", File.ReadAllText(_scratch.Combine("sweep", SweepResultsFile.JsonName)));

        var resumed = SweepRunner.Run(request, cancellationToken: TestContext.Current.CancellationToken).Trials.Single();

        Assert.Equal(SweepTrialStatus.Resumed, resumed.Status);
        var manifest = Manifest(runPath);
        Assert.Equal(RunStatus.Completed, manifest.Status);
        Assert.Equal(4, manifest.History.Count);
        Assert.Equal(2, manifest.Sessions.Count);
        Assert.True(manifest.Sessions[1].Resumed);
        Assert.InRange(manifest.Sessions[1].FirstEpoch, 2, 3); // continued from a checkpoint, not from epoch 1
    }

    [Fact]
    public void AnotherPlan_ForTheSameFolder_IsRefused_BeforeAnythingRuns()
    {
        SweepRunner.Run(Grid("sweep", 1, new SweepChoice("model.dropout", ["0.5"])), cancellationToken: TestContext.Current.CancellationToken);

        var otherValues = Assert.Throws<SweepPlanChangedException>(() => SweepRunner.Run(Grid("sweep", 1, new SweepChoice("model.dropout", ["0.5", "0.2"])), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("1 trials there, 2 now", otherValues.Message);
        var otherBase = new SweepRequest(_config, ["training.epochs=3"], SweepPlan.Grid([new SweepChoice("model.dropout", ["0.5"])]), _scratch.Combine("sweep"));
        var e = Assert.Throws<SweepPlanChangedException>(() => SweepRunner.Run(otherBase, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("001-dropout=0.5 resolves to another config", e.Message);
        Assert.Equal(["001-dropout=0.5"], Directory.GetDirectories(_scratch.Combine("sweep")).Select(Path.GetFileName));
    }

    [Fact]
    public void ABadKeyOrValue_IsTheConfigLoadersError_BeforeAnyTrialRuns()
    {
        var badKey = Grid("bad-key", 1, new SweepChoice("model.dropout", ["0.5"]), new SweepChoice("training.lamb", ["0", "1"]));
        var e = Assert.Throws<ConfigException>(() => SweepRunner.Run(badKey, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("lamb", e.Message);
        Assert.False(Directory.Exists(_scratch.Combine("bad-key")));

        // The second value is the bad one: the first trial must not have run either.
        var badValue = Grid("bad-value", 1, new SweepChoice("model.dropout", ["0.5", "7"]));
        Assert.Throws<ConfigException>(() => SweepRunner.Run(badValue, cancellationToken: TestContext.Current.CancellationToken));
        Assert.False(Directory.Exists(_scratch.Combine("bad-value")));
    }

    /// <summary>Reports on the reporting thread (Progress&lt;T&gt; would post to the thread pool, too late to stop at an epoch).</summary>
    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
