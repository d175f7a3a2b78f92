using System.Diagnostics;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.IO;
using VaeToolkit.Orchestration.Monitoring;
using VaeToolkit.Orchestration.Reports;
using VaeToolkit.Runs;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Orchestration.Runs;

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
        // Refused before the lock's own files appear; checked again under the lock, where no one else can write.
        if (request.Resume || !request.IsDefaultDirectory) CheckRunDirectory(request.RunDirectory, request.Resume);
        RunLock runLock = Claim(request);
        try
        {
            return RunLocked(request with { RunDirectory = runLock.Directory }, runLock, progress, log, cancellationToken);
        }
        finally
        {
            runLock.Dispose();
            // A start that failed before writing anything leaves no folder behind.
            if (runLock.CreatedDirectory && Directory.Exists(runLock.Directory) && !HoldsRunFiles(runLock.Directory))
                Directory.Delete(runLock.Directory, recursive: true);
        }
    }

    /// <summary>
    /// Takes the run directory's lock, held for the whole run: a second training into the same folder, in
    /// this process or another, is refused. A default directory that another run took first gives way to
    /// the next free name.
    /// </summary>
    private static RunLock Claim(TrainingRequest request)
    {
        string runDirectory = Path.GetFullPath(request.RunDirectory);
        if (!request.IsDefaultDirectory || request.Resume) return RunLock.Acquire(runDirectory);
        for (int n = 2; ; n++)
        {
            bool created = !Directory.Exists(runDirectory);
            Directory.CreateDirectory(runDirectory);
            if (RunLock.TryAcquire(runDirectory, created) is { } claimed)
            {
                if (!HoldsRunFiles(runDirectory)) return claimed;
                claimed.Dispose();
            }
            runDirectory = $"{Path.GetFullPath(request.RunDirectory)}-{n}";
        }
    }

    private static TrainingRunResult RunLocked(TrainingRequest request, RunLock runLock, IProgress<TrainingProgress>? progress, IProgress<string>? log, CancellationToken cancellationToken)
    {
        var config = request.Config;
        string runDirectory = runLock.Directory;
        var total = Stopwatch.StartNew();
        var started = DateTime.UtcNow;

        // Everything that could refuse the run comes before the first write, so that a refused start or
        // resumption leaves the folder exactly as it was.
        if (!request.Resume) CheckRunDirectory(runDirectory, resume: false);
        if (AtomicDirectory.Recover(Path.Combine(runDirectory, RunFiles.ModelFolder)))
            log?.Report($"Recovered the model folder of {runDirectory} from an export that was interrupted");
        if (runLock.RemoveStaleTemporaryFiles() is int stale and > 0)
            log?.Report($"Removed {stale} temporary file(s) that an interrupted run left in {runDirectory}");
        string manifestPath = Path.Combine(runDirectory, RunFiles.Manifest);
        string checkpointPath = Path.Combine(runDirectory, RunFiles.CheckpointFolder, Trainer.LastCheckpointName);
        Checkpoint? resumeFrom = request.Resume && File.Exists(checkpointPath) ? Checkpoint.ReadState(checkpointPath) : null;
        RunManifest? earlier = request.Resume ? ReadEarlierManifest(manifestPath, log) : null;
        if (request.Resume && resumeFrom is null)
            log?.Report($"{runDirectory} holds no checkpoint (its run stopped before the first one): starting from epoch 1");

        log?.Report($"Preparing data set '{config.Data.Dataset}'");
        PreparedDataset data = DatasetLoader.Load(config, log, cancellationToken);
        double dataSeconds = total.Elapsed.TotalSeconds;
        if (resumeFrom is not null) Trainer.CheckResume(checkpointPath, resumeFrom, config, data);
        using IModelTrainer trainer = ModelRegistry.Create(config, data.ItemCount);

        if (request.Resume && resumeFrom is null)
            ClearCheckpoints(runDirectory); // best weights of a run that never checkpointed belong to no epoch
        AtomicFile.WriteAllText(Path.Combine(runDirectory, RunFiles.Config), ConfigWriter.ToYaml(config));
        var session = new RunSession { StartedUtc = started, Resumed = resumeFrom is not null, FirstEpoch = (resumeFrom?.Epoch ?? 0) + 1 };
        var earlierSessions = earlier is null ? [] : earlier.Sessions.Count > 0 ? earlier.Sessions : [FromOldManifest(earlier)];
        var manifest = new RunManifest
        {
            ConfigFile = config.SourcePath ?? ConfigLoader.DefaultName,
            Versions = RuntimeVersions.Current(),
            Device = config.Device,
            DeviceName = trainer.DeviceName,
            Precision = config.Precision,
            Gpus = config.Gpus,
            StartedUtc = earlier?.StartedUtc ?? started,
            Data = Summarize(data),
            Owner = RunOwner.Current(),
            BestEpoch = resumeFrom?.BestEpoch,
            BestValidationNdcgAt100 = resumeFrom?.BestNdcg,
            History = resumeFrom?.History ?? [],
            Test = resumeFrom is null ? null : earlier?.Test, // still describes the model folder until it is exported again
        };
        session.TimingsSeconds["data"] = dataSeconds;
        Save(manifest, earlierSessions, session, manifestPath);

        var epochs = new List<EpochRecord>(resumeFrom?.History ?? []);
        var tensorBoard = TensorBoardLog.Open(runDirectory, config, ModelRegistry.Find(config.Model.Type).Iterative, epochs, log);
        var epochWatcher = new Progress(progress, epochs, tensorBoard);
        try
        {
            var watch = Stopwatch.StartNew();
            string schedule = ModelRegistry.Find(config.Model.Type).Iterative ? $" for {config.Training.Epochs} epochs" : "";
            log?.Report($"Training {config.Model.Type.ToUpperInvariant()} on {data.Train.RowCount} users x {data.ItemCount} items{schedule} on {config.Device}");
            if (trainer.Warning is string warning) log?.Report(warning);
            var outcome = trainer.Fit(data, Path.Combine(runDirectory, RunFiles.CheckpointFolder), request.Resume, epochWatcher, cancellationToken);
            session.TimingsSeconds["train"] = watch.Elapsed.TotalSeconds;

            if (outcome.Stop.Reason == TrainingStop.EarlyStopping) log?.Report(char.ToUpperInvariant(outcome.Stop.Description[0]) + outcome.Stop.Description[1..]);
            watch.Restart();
            string modelDirectory = Path.Combine(runDirectory, RunFiles.ModelFolder);
            log?.Report($"Exporting {(ModelRegistry.Find(config.Model.Type).Iterative ? "epoch" : "candidate")} {outcome.BestEpoch} to ONNX in {modelDirectory}");
            manifest = manifest with
            {
                History = outcome.History, BestEpoch = outcome.BestEpoch, BestValidationNdcgAt100 = outcome.BestValidationNdcg,
                StopReason = outcome.Stop.Reason, StopDescription = outcome.Stop.Description,
            };
            FailPoint.Check("export");
            // Written beside the model folder and swapped in: a failed export leaves the earlier model whole.
            AtomicDirectory.Write(modelDirectory, staging => ModelPackager.Write(trainer, data, config, outcome, staging));
            manifest = manifest with { Test = null }; // the earlier test scores were the replaced model's
            session.TimingsSeconds["export"] = watch.Elapsed.TotalSeconds;

            watch.Restart();
            log?.Report("Evaluating the test users with ONNX Runtime");
            FailPoint.Check("evaluate");
            EvaluationReport test = Evaluate(modelDirectory, config, log, cancellationToken);
            session.TimingsSeconds["evaluate"] = watch.Elapsed.TotalSeconds;
            session.TimingsSeconds["total"] = total.Elapsed.TotalSeconds;

            manifest = manifest with { Status = RunStatus.Completed, FinishedUtc = DateTime.UtcNow, Owner = null, Test = test };
            Save(manifest, earlierSessions, session with { Status = RunStatus.Completed, FinishedUtc = manifest.FinishedUtc }, manifestPath);
            if (RunReport.TryWrite(runDirectory) is string reportWarning) log?.Report(reportWarning); // report.md and curves.png
            return new TrainingRunResult(runDirectory, modelDirectory, data.Name, outcome.History.Count, outcome.BestEpoch, outcome.BestValidationNdcg, test, total.Elapsed)
            {
                StopReason = outcome.Stop.Reason,
                StopDescription = outcome.Stop.Description,
            };
        }
        catch (Exception e)
        {
            string status = e is OperationCanceledException ? RunStatus.Interrupted : RunStatus.Failed;
            string? error = e is OperationCanceledException ? null : e.Message;
            var now = DateTime.UtcNow;
            session.TimingsSeconds["total"] = total.Elapsed.TotalSeconds;
            var ended = manifest with { Status = status, Error = error, FinishedUtc = now, Owner = null, History = epochs };
            if (e is OperationCanceledException && ended.StopReason is null)
            {
                var stop = TrainingStop.ByRequest(epochs.Count > 0 ? epochs[^1].Epoch : 0);
                ended = ended with { StopReason = stop.Reason, StopDescription = stop.Description };
            }
            TrySave(ended, earlierSessions, session with { Status = status, Error = error, FinishedUtc = now }, manifestPath, log);
            throw;
        }
    }

    /// <summary>
    /// Throws what <see cref="Run"/> would refuse before it starts: a new run into a folder that already
    /// holds a run's files, or resuming a folder where no run ever started (one killed before its first
    /// checkpoint left its manifest or its owner's record, and resumes from epoch 1).
    /// </summary>
    public static void CheckRunDirectory(string runDirectory, bool resume)
    {
        runDirectory = Path.GetFullPath(runDirectory);
        string checkpoint = Path.Combine(runDirectory, RunFiles.CheckpointFolder, Trainer.LastCheckpointName);
        if (resume)
        {
            bool started = File.Exists(Path.Combine(runDirectory, RunFiles.Manifest)) || File.Exists(Path.Combine(runDirectory, RunLock.OwnerFileName));
            if (!File.Exists(checkpoint) && !started)
                throw new CheckpointNotFoundException(runDirectory, checkpoint);
            return;
        }
        if (HoldsRunFiles(runDirectory))
            throw new RunDirectoryNotEmptyException(runDirectory);
    }

    /// <summary>Whether the folder holds anything but the lock's bookkeeping and stale temporary files.</summary>
    private static bool HoldsRunFiles(string runDirectory) =>
        Directory.Exists(runDirectory) && Directory.EnumerateFileSystemEntries(runDirectory).Any(entry => !RunLock.IsBookkeeping(entry));

    /// <summary>The manifest of the run being resumed, or null (with a note) when it is missing or unreadable.</summary>
    private static RunManifest? ReadEarlierManifest(string path, IProgress<string>? log)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return RunManifest.Load(path);
        }
        catch (InvalidDataException e)
        {
            log?.Report($"{e.Message}: its earlier sessions are not carried over");
            return null;
        }
    }

    /// <summary>A session for a manifest written before sessions were recorded.</summary>
    private static RunSession FromOldManifest(RunManifest earlier) => new()
    {
        StartedUtc = earlier.StartedUtc,
        FinishedUtc = earlier.FinishedUtc,
        Status = earlier.Status,
        Error = earlier.Error,
        TimingsSeconds = new(earlier.TimingsSeconds),
    };

    private static void ClearCheckpoints(string runDirectory)
    {
        string folder = Path.Combine(runDirectory, RunFiles.CheckpointFolder);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    /// <summary>Saves the manifest with this session after the earlier ones, and timings summed over them.</summary>
    private static void Save(RunManifest manifest, IReadOnlyList<RunSession> earlier, RunSession session, string path)
    {
        IReadOnlyList<RunSession> sessions = [.. earlier, session];
        var timings = sessions.SelectMany(s => s.TimingsSeconds).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Sum(t => t.Value));
        (manifest with { Sessions = sessions, TimingsSeconds = timings }).Save(path);
    }

    /// <summary>Records how the run ended, without hiding the error that ended it (the disk may be what failed).</summary>
    private static void TrySave(RunManifest manifest, IReadOnlyList<RunSession> earlier, RunSession session, string path, IProgress<string>? log)
    {
        try
        {
            Save(manifest, earlier, session, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log?.Report($"warning: could not record the run's end in {path}: {e.Message}");
        }
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
            return ModelEvaluator.Evaluate(bundle, config.Device, config.Evaluation.BatchSize, cancellationToken: cancellationToken, metrics: config.Evaluation.Metrics);
        }
        catch (ExecutionProviderException e) when (config.Device != "cpu")
        {
            log?.Report($"{e.Message}; evaluating on the CPU instead");
            return ModelEvaluator.Evaluate(bundle, "cpu", config.Evaluation.BatchSize, cancellationToken: cancellationToken, metrics: config.Evaluation.Metrics);
        }
    }

    private static DatasetSummary Summarize(PreparedDataset data) =>
        new(data.Name, data.DataHash, data.ItemCount, data.Train.RowCount, data.Train.NonZeroCount, data.Validation.Count, data.Test.Count);

    /// <summary>Forwards progress and keeps the finished epochs, so an interrupted run's manifest has them, and logs them for TensorBoard.</summary>
    private sealed class Progress(IProgress<TrainingProgress>? inner, List<EpochRecord> epochs, TensorBoardLog tensorBoard) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.EpochCompleted is not null)
            {
                epochs.Add(value.EpochCompleted);
                tensorBoard.Write(value.EpochCompleted);
            }
            inner?.Report(value);
        }
    }
}
