using VaeToolkit.Configuration;
using VaeToolkit.Orchestration.Benchmarks;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;
using VaeToolkit.Training;
using VaeToolkit.Training.Export;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Runs;

public sealed class TrainingJobTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static VaeConfig SmallSynthetic(int epochs = 3) => ModelRegistry.ConfigLoader.Parse($$"""
        seed: 3
        data:
          dataset: synthetic
          positive_threshold: null
          heldout_users: 60
          synthetic: { users: 600, items: 200, tastes: 4, mean_items_per_user: 20 }
        model: { encoder_dims: [32, 8] }
        training: { epochs: {{epochs}}, batch_size: 100, learning_rate: 0.01, total_anneal_steps: 50, threads: 1, checkpoint_step: 1 }
        """, "/configs/small.yaml");

    [Fact]
    public void DefaultRunDirectory_IsNamedAfterTheConfigAndTime_AndNeverOneThatExists()
    {
        var now = new DateTime(2026, 11, 28, 2, 20, 5, DateTimeKind.Utc);
        string first = TrainingJob.DefaultRunDirectory(SmallSynthetic(), _scratch.Path, now);
        Assert.Equal(_scratch.Combine("runs", "small-20261128-022005"), first);

        Directory.CreateDirectory(first); // a run started in the same second
        string second = TrainingJob.DefaultRunDirectory(SmallSynthetic(), _scratch.Path, now);
        Assert.Equal(first + "-2", second);
        Directory.CreateDirectory(second);
        Assert.Equal(first + "-3", TrainingJob.DefaultRunDirectory(SmallSynthetic(), _scratch.Path, now));
    }

    [Fact]
    public void Run_LeavesACompleteRunDirectory()
    {
        string runDirectory = _scratch.Combine("run");
        var result = TrainingJob.Run(new TrainingRequest(SmallSynthetic(), runDirectory), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(Path.GetFullPath(runDirectory), result.RunPath);
        Assert.Equal(3, result.Epochs);
        Assert.InRange(result.BestEpoch, 1, 3);
        Assert.Equal(60, result.Test.Users);
        foreach (string file in ModelFiles.Required)
            Assert.True(File.Exists(Path.Combine(result.ModelPath, file)), $"{file} is missing");
        Assert.True(File.Exists(Path.Combine(runDirectory, RunFiles.CheckpointFolder, Trainer.LastCheckpointName)));

        var manifest = RunManifest.Load(Path.Combine(runDirectory, RunFiles.Manifest));
        Assert.Equal(RunStatus.Completed, manifest.Status);
        Assert.Equal(3, manifest.History.Count);
        Assert.Equal(result.Test.NdcgAt100, manifest.Test!.NdcgAt100);
        Assert.Equal(600 - 120, manifest.Data!.TrainUsers);
        Assert.False(string.IsNullOrEmpty(manifest.Versions.TorchSharp));
        Assert.Equal(("cpu", "fp32", 1), (manifest.Device, manifest.Precision, manifest.Gpus));
        Assert.Contains("threads", manifest.DeviceName);

        // The resolved config reads back to the config that ran.
        var saved = ModelRegistry.ConfigLoader.Load(Path.Combine(runDirectory, RunFiles.Config));
        Assert.Equal(SmallSynthetic() with { SourcePath = null }, saved with { SourcePath = null });

        // The model card records the best epoch, and the bundle opens.
        var bundle = ModelBundle.Open(runDirectory);
        Assert.Equal(result.BestEpoch, bundle.Card.BestEpoch);
        Assert.Equal(600, bundle.UserIds.Count);
    }

    [Fact]
    public void EvaluationOnCuda_FallsBackToTheCpu_WhenOnnxRuntimeHasNoCudaProvider()
    {
        var result = TrainingJob.Run(new TrainingRequest(SmallSynthetic(epochs: 1), _scratch.Combine("run")), cancellationToken: TestContext.Current.CancellationToken);
        var messages = new List<string>();
        var report = TrainingJob.Evaluate(result.ModelPath, SmallSynthetic() with { Device = "cuda" }, new Collect(messages), TestContext.Current.CancellationToken);

        Assert.Equal(result.Test.NdcgAt100, report.NdcgAt100);
        Assert.Contains(messages, m => m.Contains("CUDA") && m.EndsWith("evaluating on the CPU instead"));
    }

    [Fact]
    public void SameConfig_GivesTheSameTestMetricsTwice()
    {
        var first = TrainingJob.Run(new TrainingRequest(SmallSynthetic(2), _scratch.Combine("a")), cancellationToken: TestContext.Current.CancellationToken);
        var second = TrainingJob.Run(new TrainingRequest(SmallSynthetic(2), _scratch.Combine("b")), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(first.Test with { ModelPath = "" }, second.Test with { ModelPath = "" });
    }

    [Fact]
    public void NewRun_RefusesAFolderThatHoldsFiles_AndLeavesThemAlone()
    {
        string runDirectory = _scratch.Combine("taken");
        Directory.CreateDirectory(runDirectory);
        string earlier = Path.Combine(runDirectory, "manifest.json");
        File.WriteAllText(earlier, "earlier results");

        var error = Assert.Throws<RunDirectoryNotEmptyException>(() => TrainingJob.Run(new TrainingRequest(SmallSynthetic(), runDirectory), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains(runDirectory, error.Message);
        Assert.Equal("earlier results", File.ReadAllText(earlier));
        Assert.Single(Directory.EnumerateFileSystemEntries(runDirectory));
    }

    [Fact]
    public void Resume_ExtendsAFinishedRun()
    {
        string runDirectory = _scratch.Combine("run");
        TrainingJob.Run(new TrainingRequest(SmallSynthetic(epochs: 2), runDirectory), cancellationToken: TestContext.Current.CancellationToken);
        var resumed = TrainingJob.Run(new TrainingRequest(SmallSynthetic(epochs: 4), runDirectory, Resume: true), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(4, resumed.Epochs);
        var manifest = RunManifest.Load(Path.Combine(runDirectory, RunFiles.Manifest));
        Assert.Equal([1, 2, 3, 4], manifest.History.Select(e => e.Epoch));
    }

    /// <summary>
    /// export.precision may change on resumption: a finished run resumed with int8 trains no further and
    /// writes the same weights again as int8, which the model card, the graph and the evaluation show.
    /// </summary>
    [Fact]
    public void Resume_WithAnotherExportPrecision_ExportsTheSameWeightsAgain()
    {
        string runDirectory = _scratch.Combine("run");
        var first = TrainingJob.Run(new TrainingRequest(SmallSynthetic(epochs: 2), runDirectory), cancellationToken: TestContext.Current.CancellationToken);
        string recommender = Path.Combine(first.ModelPath, ModelFiles.Recommender);
        var fp32 = ExportedWeights.Read(recommender);
        Assert.Equal(ExportPrecisions.Fp32, ModelBundle.Open(first.ModelPath).Card.Precision);

        var int8 = SmallSynthetic(epochs: 2) with { Export = new ExportConfig { Precision = ExportPrecisions.Int8 } };
        var resumed = TrainingJob.Run(new TrainingRequest(int8, runDirectory, Resume: true), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, resumed.Epochs);
        Assert.Equal(ExportPrecisions.Int8, ModelBundle.Open(resumed.ModelPath).Card.Precision);
        using (var session = new Microsoft.ML.OnnxRuntime.InferenceSession(recommender))
            Assert.Equal(ExportPrecisions.Int8, session.ModelMetadata.CustomMetadataMap["precision"]);
        var back = ExportedWeights.Read(recommender);
        Assert.Equal(fp32.Encoder[0].Weight, back.Encoder[0].Weight); // the same epoch's weights; only the output layer is int8
        Assert.NotEqual(fp32.Decoder[^1].Weight, back.Decoder[^1].Weight);
        Assert.Equal(first.Test.NdcgAt100, resumed.Test.NdcgAt100, 0.02);
        Assert.Equal(ExportPrecisions.Int8, ModelRegistry.ConfigLoader.Load(Path.Combine(runDirectory, RunFiles.Config)).Export.Precision);
    }

    [Fact]
    public void Resume_WithoutACheckpoint_NamesTheMissingFile()
    {
        string runDirectory = _scratch.Combine("empty");
        var error = Assert.Throws<CheckpointNotFoundException>(() => TrainingJob.Run(new TrainingRequest(SmallSynthetic(), runDirectory, Resume: true), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains(Trainer.LastCheckpointName, error.Message);
    }

    [Fact]
    public void FailedStart_WritesNothing()
    {
        string runDirectory = _scratch.Combine("failed");
        var config = SmallSynthetic() with { Data = new DataConfig { Dataset = KnownDatasets.File, Path = _scratch.Combine("missing.csv") } };

        var error = Assert.Throws<FileNotFoundException>(() => TrainingJob.Run(new TrainingRequest(config, runDirectory), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("missing.csv", error.Message);
        Assert.False(Directory.Exists(runDirectory));
    }

    [Fact]
    public void InterruptedRun_IsMarkedInTheManifest_AndKeepsItsCheckpoint()
    {
        string runDirectory = _scratch.Combine("interrupted");
        using var cancel = new CancellationTokenSource();
        var progress = new StopAt(cancel, epoch: 2);
        Assert.ThrowsAny<OperationCanceledException>(() => TrainingJob.Run(new TrainingRequest(SmallSynthetic(), runDirectory), progress, cancellationToken: cancel.Token));

        var manifest = RunManifest.Load(Path.Combine(runDirectory, RunFiles.Manifest));
        Assert.Equal(RunStatus.Interrupted, manifest.Status);
        Assert.Equal([1], manifest.History.Select(e => e.Epoch));
        Assert.True(File.Exists(Path.Combine(runDirectory, RunFiles.CheckpointFolder, Trainer.LastCheckpointName)));
    }

    [Fact]
    public void Benchmark_ReportsSpeedAfterTheWarmUpEpochs()
    {
        var config = SmallSynthetic(epochs: 4) with { Training = SmallSynthetic().Training with { Epochs = 4, WarmUpEpochs = 1 } };
        var report = TrainingBenchmark.Run(config, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(4, report.EpochSeconds.Count);
        Assert.Equal(report.EpochSeconds.Skip(1).Average(), report.MeanEpochSeconds, 9);
        Assert.Equal(report.TrainUsers / report.MeanEpochSeconds, report.TrainUsersPerSecond, 6);
        Assert.Equal(480, report.TrainUsers);
        Assert.True(report.ValidationUsersPerSecond > 0);
        // On the CPU the host does the work itself, so issuing it takes (nearly) the whole epoch.
        Assert.InRange(report.MeanIssueSeconds, 0.5 * report.MeanEpochSeconds, report.MeanEpochSeconds);
        // The phases cover the step: together they are (nearly) the epoch, each a part of it.
        Assert.Equal(["batch", "upload", "encode", "decode", "likelihood", "backward", "update"], report.MeanStepMillisecondsByPhase.Keys);
        Assert.All(report.MeanStepMillisecondsByPhase.Values, ms => Assert.True(ms > 0));
        double steps = Math.Ceiling(report.TrainUsers / (double)report.BatchSize);
        double phasesSeconds = report.MeanStepMillisecondsByPhase.Values.Sum() * steps / 1000;
        Assert.InRange(phasesSeconds, 0.5 * report.MeanEpochSeconds, 1.001 * report.MeanEpochSeconds);
        // The validation batches were built during the warm-up and stayed on the device.
        Assert.Equal(["forward", "top-k", "metrics"], report.MeanValidationMillisecondsByPhase.Keys);
        double validationPhasesSeconds = report.MeanValidationMillisecondsByPhase.Values.Sum() / 1000;
        Assert.InRange(validationPhasesSeconds, 0.5 * report.MeanValidationSeconds, 1.001 * report.MeanValidationSeconds);
    }

    /// <summary>Cancels as soon as the given epoch starts.</summary>
    private sealed class StopAt(CancellationTokenSource cancel, int epoch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Epoch == epoch) cancel.Cancel();
        }
    }

    private sealed class Collect(List<string> messages) : IProgress<string>
    {
        public void Report(string value) => messages.Add(value);
    }
}
