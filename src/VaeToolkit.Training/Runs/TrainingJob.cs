using System.Diagnostics;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.IO;
using VaeToolkit.Runs;
using VaeToolkit.Training.Export;

namespace VaeToolkit.Training.Runs;

/// <summary>
/// One training run end to end, in a run directory: resolved config, data, training with checkpoints,
/// ONNX export of the best epoch, evaluation of the test users through ONNX Runtime, and a manifest.
/// </summary>
public static class TrainingJob
{
    /// <summary>
    /// runs/&lt;config name&gt;-&lt;UTC time&gt; under <paramref name="root"/>, with -2, -3, ... after it when
    /// a run started in the same second already has that folder.
    /// </summary>
    public static string DefaultRunDirectory(VaeConfig config, string root, DateTime? utcNow = null)
    {
        string name = config.SourcePath is null ? config.Data.Dataset : Path.GetFileNameWithoutExtension(config.SourcePath);
        string stem = Path.Combine(root, "runs", $"{name}-{utcNow ?? DateTime.UtcNow:yyyyMMdd-HHmmss}");
        string path = stem;
        for (int n = 2; Directory.Exists(path) || File.Exists(path); n++) path = $"{stem}-{n}";
        return path;
    }

    public static TrainingRunResult Run(TrainingRequest request, IProgress<TrainingProgress>? progress = null, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        var config = request.Config;
        string runDirectory = Path.GetFullPath(request.RunDirectory);
        CheckRunDirectory(runDirectory, request.Resume);
        var total = Stopwatch.StartNew();
        var started = DateTime.UtcNow;

        // Data and device problems surface before anything is written, so a failed start leaves no folder behind.
        log?.Report($"Preparing data set '{config.Data.Dataset}'");
        PreparedDataset data = DatasetLoader.Load(config, log, cancellationToken);
        double dataSeconds = total.Elapsed.TotalSeconds;
        using var trainer = new Trainer(config, data.ItemCount);

        Directory.CreateDirectory(runDirectory);
        AtomicFile.WriteAllText(Path.Combine(runDirectory, RunFiles.Config), ConfigWriter.ToYaml(config));
        string manifestPath = Path.Combine(runDirectory, RunFiles.Manifest);
        var manifest = new RunManifest
        {
            ConfigFile = config.SourcePath ?? ConfigLoader.DefaultName,
            Versions = RuntimeVersions.Current(),
            Device = config.Device,
            DeviceName = DeviceDescription.Describe(trainer.Device),
            Precision = config.Precision,
            Gpus = config.Gpus,
            StartedUtc = started,
            Data = Summarize(data),
            TimingsSeconds = { ["data"] = dataSeconds },
        };
        manifest.Save(manifestPath);

        var epochs = new List<EpochRecord>();
        var epochWatcher = new Progress(progress, epochs);
        try
        {
            var watch = Stopwatch.StartNew();
            log?.Report($"Training {config.Model.Type.ToUpperInvariant()} on {data.Train.RowCount} users x {data.ItemCount} items for {config.Training.Epochs} epochs on {config.Device}");
            if (trainer.Warning is string warning) log?.Report(warning);
            var outcome = trainer.Fit(data, Path.Combine(runDirectory, RunFiles.CheckpointFolder), request.Resume, epochWatcher, cancellationToken);
            manifest.TimingsSeconds["train"] = watch.Elapsed.TotalSeconds;

            watch.Restart();
            string modelDirectory = Path.Combine(runDirectory, RunFiles.ModelFolder);
            log?.Report($"Exporting epoch {outcome.BestEpoch} to ONNX in {modelDirectory}");
            ModelPackager.Write(trainer.Model.ToWeights(), data, config, outcome, modelDirectory);
            manifest.TimingsSeconds["export"] = watch.Elapsed.TotalSeconds;

            watch.Restart();
            log?.Report("Evaluating the test users with ONNX Runtime");
            EvaluationReport test = Evaluate(modelDirectory, config, log, cancellationToken);
            manifest.TimingsSeconds["evaluate"] = watch.Elapsed.TotalSeconds;
            manifest.TimingsSeconds["total"] = total.Elapsed.TotalSeconds;

            manifest = manifest with
            {
                Status = RunStatus.Completed,
                FinishedUtc = DateTime.UtcNow,
                BestEpoch = outcome.BestEpoch,
                BestValidationNdcgAt100 = outcome.BestValidationNdcg,
                History = outcome.History,
                Test = test,
            };
            manifest.Save(manifestPath);
            return new TrainingRunResult(runDirectory, modelDirectory, data.Name, outcome.History.Count, outcome.BestEpoch, outcome.BestValidationNdcg, test, total.Elapsed);
        }
        catch (OperationCanceledException)
        {
            (manifest with { Status = RunStatus.Interrupted, FinishedUtc = DateTime.UtcNow, History = epochs }).Save(manifestPath);
            throw;
        }
        catch (Exception e)
        {
            (manifest with { Status = RunStatus.Failed, Error = e.Message, FinishedUtc = DateTime.UtcNow, History = epochs }).Save(manifestPath);
            throw;
        }
    }

    /// <summary>
    /// Throws what <see cref="Run"/> would refuse before it starts: a new run into a folder that already
    /// holds files, or resuming a folder without a checkpoint.
    /// </summary>
    public static void CheckRunDirectory(string runDirectory, bool resume)
    {
        runDirectory = Path.GetFullPath(runDirectory);
        string checkpoint = Path.Combine(runDirectory, RunFiles.CheckpointFolder, Trainer.LastCheckpointName);
        if (resume)
        {
            if (!File.Exists(checkpoint)) throw new CheckpointNotFoundException(runDirectory, checkpoint);
            return;
        }
        if (Directory.Exists(runDirectory) && Directory.EnumerateFileSystemEntries(runDirectory).Any())
            throw new RunDirectoryNotEmptyException(runDirectory);
    }

    /// <summary>
    /// Scores the test users with ONNX Runtime on the configured device. A training host whose ONNX
    /// Runtime build has no CUDA provider evaluates on the CPU instead of losing the finished run.
    /// </summary>
    internal static EvaluationReport Evaluate(string modelDirectory, VaeConfig config, IProgress<string>? log, CancellationToken cancellationToken)
    {
        var bundle = ModelBundle.Open(modelDirectory);
        try
        {
            return ModelEvaluator.Evaluate(bundle, config.Device, config.Evaluation.BatchSize, cancellationToken: cancellationToken);
        }
        catch (ExecutionProviderException e) when (config.Device != "cpu")
        {
            log?.Report($"{e.Message}; evaluating on the CPU instead");
            return ModelEvaluator.Evaluate(bundle, "cpu", config.Evaluation.BatchSize, cancellationToken: cancellationToken);
        }
    }

    private static DatasetSummary Summarize(PreparedDataset data) =>
        new(data.Name, data.DataHash, data.ItemCount, data.Train.RowCount, data.Train.NonZeroCount, data.Validation.Count, data.Test.Count);

    /// <summary>Forwards progress and keeps the finished epochs, so an interrupted run's manifest has them.</summary>
    private sealed class Progress(IProgress<TrainingProgress>? inner, List<EpochRecord> epochs) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.EpochCompleted is not null) epochs.Add(value.EpochCompleted);
            inner?.Report(value);
        }
    }
}
