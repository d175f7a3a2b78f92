using VaeToolkit.Configuration;
using VaeToolkit.Orchestration.Runs;
using VaeToolkit.Runs;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>
/// Runs a sweep: every trial of the plan trained by <see cref="TrainingJob"/> into its own run folder under the
/// sweep folder (lock, manifest, checkpoints, model, test scores, as a single run), up to
/// <see cref="SweepRequest.Parallelism"/> at once in this process, then the results table.
/// Re-running the same sweep skips completed trials and resumes the others from their checkpoints.
/// </summary>
public static class SweepRunner
{
    /// <summary>
    /// Every trial's config, read with the shared overrides then the trial's own: a bad key or value is the
    /// loader's <see cref="ConfigException"/>, before anything runs or is written.
    /// </summary>
    public static IReadOnlyList<VaeConfig> ResolveConfigs(SweepRequest request) =>
        request.Plan.Trials.Select(trial => ModelRegistry.ConfigLoader.Load(request.ConfigPath, [.. request.Overrides, .. trial.Overrides])).ToList();

    /// <summary>Throws <see cref="SweepPlanChangedException"/> when the sweep folder holds another plan.</summary>
    public static void CheckPlan(SweepRequest request, IReadOnlyList<VaeConfig> configs)
    {
        string directory = Path.GetFullPath(request.Directory);
        if (SweepPlanFile.Load(directory) is { } existing && existing.Difference(SweepPlanFile.For(request.Plan, configs)) is string difference)
            throw new SweepPlanChangedException(directory, difference);
    }

    /// <summary>
    /// Runs the sweep and writes its results table. A trial that fails is recorded as failed (with its error)
    /// and the others go on. When <paramref name="cancellationToken"/> fires, the running trials stop after their
    /// current batch (keeping their checkpoints), the table records what finished, and the cancellation is thrown.
    /// </summary>
    public static SweepResult Run(SweepRequest request, IProgress<SweepProgress>? progress = null, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        if (request.Parallelism < 1) throw new ArgumentOutOfRangeException(nameof(request), request.Parallelism, "a sweep runs at least one trial at a time");
        var configs = ResolveConfigs(request);
        CheckPlan(request, configs);
        string directory = Path.GetFullPath(request.Directory);
        Directory.CreateDirectory(directory);
        var planFile = Path.Combine(directory, SweepPlanFile.Name);
        if (!File.Exists(planFile)) SweepPlanFile.For(request.Plan, configs).Save(directory);

        var trials = request.Plan.Trials;
        var rows = new SweepTrialResult[trials.Count];
        int done = 0;
        // Trials start one after the other: libtorch's default generator is one per process, and a trainer seeds it
        // and draws its initial weights from it before its first batch, so two starting together would mix their draws.
        using var startGate = new SemaphoreSlim(1, 1);
        using (ThreadShare.For(request.Parallelism, configs, log))
        {
            Parallel.For(0, trials.Count, new ParallelOptions { MaxDegreeOfParallelism = request.Parallelism }, i =>
            {
                rows[i] = RunTrial(trials[i], configs[i], directory, trials.Count, () => done, startGate, progress, log, cancellationToken);
                progress?.Report(new SweepProgress(trials[i], Interlocked.Increment(ref done), trials.Count, Finished: rows[i]));
            });
        }
        var result = SweepResult.Ranked(directory, request.Plan, rows);
        SweepResultsFile.Write(result);
        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }

    private static SweepTrialResult RunTrial(SweepTrial trial, VaeConfig config, string directory, int count, Func<int> done,
        SemaphoreSlim startGate, IProgress<SweepProgress>? progress, IProgress<string>? log, CancellationToken cancellationToken)
    {
        string runPath = Path.Combine(directory, trial.Name);
        if (cancellationToken.IsCancellationRequested) return new SweepTrialResult(trial, SweepTrialStatus.NotRun, runPath);
        string manifestPath = Path.Combine(runPath, RunFiles.Manifest);
        RunManifest? earlier = File.Exists(manifestPath) ? TryLoad(manifestPath, trial, log) : null;
        if (earlier?.Status == RunStatus.Completed && Directory.Exists(Path.Combine(runPath, RunFiles.ModelFolder)))
        {
            log?.Report($"{trial.Name}: completed by an earlier sweep, not trained again");
            return SweepTrialResult.FromManifest(trial, SweepTrialStatus.Skipped, runPath, earlier);
        }
        // A run folder with a manifest or a checkpoint was started by an earlier sweep: continue it.
        bool resume = earlier is not null || File.Exists(Path.Combine(runPath, RunFiles.CheckpointFolder, Trainer.LastCheckpointName));
        string status = resume ? SweepTrialStatus.Resumed : SweepTrialStatus.Trained;
        log?.Report($"{trial.Name}: {(resume ? "resuming" : "training")} with {string.Join(", ", trial.Overrides)}");
        var trialLog = log is null ? null : new Prefixed(log, trial.Name);
        try
        {
            startGate.Wait(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return new SweepTrialResult(trial, SweepTrialStatus.NotRun, runPath);
        }
        // The gate opens for the next trial at this one's first progress report (its weights are drawn by then) or its end.
        var trialProgress = new Forwarder(progress, trial, count, done, startGate);
        try
        {
            TrainingJob.Run(new TrainingRequest(config, runPath, resume), trialProgress, trialLog, cancellationToken);
            return SweepTrialResult.FromManifest(trial, status, runPath, RunManifest.Load(manifestPath));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new SweepTrialResult(trial, SweepTrialStatus.Interrupted, runPath);
        }
        catch (Exception e)
        {
            // One trial's failure (a setting that runs out of memory, a folder another process holds) ends that
            // trial only; the row keeps the error and the next sweep tries it again.
            log?.Report($"{Trainer.WarningPrefix}{trial.Name} failed: {e.Message}");
            return new SweepTrialResult(trial, SweepTrialStatus.Failed, runPath, Error: $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            trialProgress.OpenGate();
        }
    }

    private static RunManifest? TryLoad(string path, SweepTrial trial, IProgress<string>? log)
    {
        try
        {
            return RunManifest.Load(path);
        }
        catch (InvalidDataException e)
        {
            log?.Report($"{trial.Name}: {e.Message}; resuming it from its checkpoint");
            return null;
        }
    }

    /// <summary>A trial's log lines, named after it; warnings stay warnings.</summary>
    private sealed class Prefixed(IProgress<string> log, string trial) : IProgress<string>
    {
        public void Report(string value) => log.Report(value.StartsWith(Trainer.WarningPrefix, StringComparison.Ordinal)
            ? $"{Trainer.WarningPrefix}{trial}: {value[Trainer.WarningPrefix.Length..]}"
            : $"{trial}: {value}");
    }

    /// <summary>Forwards a trial's training progress, and opens the start gate (once) when the first report comes.</summary>
    private sealed class Forwarder(IProgress<SweepProgress>? progress, SweepTrial trial, int count, Func<int> done, SemaphoreSlim startGate) : IProgress<TrainingProgress>
    {
        private int opened;

        public void Report(TrainingProgress value)
        {
            OpenGate();
            progress?.Report(new SweepProgress(trial, done(), count, Training: value));
        }

        public void OpenGate()
        {
            if (Interlocked.Exchange(ref opened, 1) == 0) startGate.Release();
        }
    }
}
