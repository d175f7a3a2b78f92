using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using VaeToolkit.Configuration;
using VaeToolkit.Training;
using VaeToolkit.PowerShell.Completion;
using VaeToolkit.Training.Models;

namespace VaeToolkit.PowerShell;

/// <summary>
/// What Invoke-VaeTraining and Measure-VaeTraining share: the config file with its overrides, and
/// running the trainer on a worker thread with progress, Ctrl+C and engine errors mapped to records.
/// </summary>
public abstract class TrainingCommandBase : PSCmdlet
{
    private readonly CancellationTokenSource stopping = new();

    /// <summary>The YAML experiment file.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Config { get; set; } = "";

    /// <summary>Config overrides such as training.epochs=10, applied after the file is read.</summary>
    [Parameter]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(ConfigKeyCompleter))]
    public string[] Set { get; set; } = [];

    /// <summary>cpu, cuda or cuda:N; overrides the config's device.</summary>
    [Parameter]
    [ValidatePattern(DevicePattern.Value)]
    [ArgumentCompleter(typeof(DeviceCompleter))]
    public string? Device { get; set; }

    /// <summary>fp32, tf32, bf16 or fp16; overrides the config's precision.</summary>
    [Parameter]
    [ValidateSet("fp32", "tf32", "bf16", "fp16")]
    public string? Precision { get; set; }

    /// <summary>Data-parallel replicas (one per GPU); overrides the config's gpus.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int? Gpus { get; set; }

    /// <summary>Run in a job of this process (Get-Job, Receive-Job, Stop-Job) and return the job at once.</summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    /// <summary>The file-system path of -Config, once <see cref="LoadConfig"/> has read it.</summary>
    protected string? ConfigPath { get; private set; }

    /// <summary>Cancelled by Ctrl+C (StopProcessing).</summary>
    protected CancellationToken StopToken => stopping.Token;

    /// <summary>Reads -Config with -Set, then -Device, -Precision and -Gpus, and any extra overrides; stops the cmdlet on a bad config.</summary>
    protected VaeConfig LoadConfig(params string[] extraOverrides)
    {
        if (!FileSystemPaths.TryUnresolved(SessionState.Path, Config, out string? configPath, out ErrorRecord? error))
        {
            ThrowTerminatingError(error);
            throw new UnreachableException();
        }
        ConfigPath = configPath;
        try
        {
            return ModelRegistry.ConfigLoader.Load(configPath, Overrides(extraOverrides));
        }
        catch (ConfigException e)
        {
            ThrowTerminatingError(EngineErrors.ToErrorRecord(e, configPath));
            throw new UnreachableException();
        }
    }

    /// <summary>-Set, then any extra overrides, then -Device, -Precision and -Gpus as overrides.</summary>
    protected IReadOnlyList<string> Overrides(params string[] extraOverrides)
    {
        var overrides = new List<string>(Set);
        overrides.AddRange(extraOverrides);
        if (Device is not null) overrides.Add($"device={Device}");
        if (Precision is not null) overrides.Add($"precision={Precision}");
        if (Gpus is not null) overrides.Add($"gpus={Gpus}");
        return overrides;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a worker thread while this thread writes its progress (epochs, with
    /// batches as children) and log lines (verbose, or warnings). Ctrl+C stops the engine after its current batch.
    /// </summary>
    protected T RunTrainer<T>(string activity, object errorTarget, Func<IProgress<TrainingProgress>, IProgress<string>, CancellationToken, T> work)
    {
        var view = new TrainingProgressView(activity);
        using var worker = new PipelineWorker();
        var progress = worker.Report<TrainingProgress>(p =>
        {
            foreach (var record in view.Update(p)) WriteProgress(record);
            if (p.EpochCompleted is { } epoch) WriteVerbose($"Epoch {epoch.Epoch}/{p.Epochs}: {TrainingProgressView.Describe(epoch)}");
        });
        var log = worker.Report<string>(line =>
        {
            if (line.StartsWith(Trainer.WarningPrefix, StringComparison.Ordinal)) WriteWarning(line[Trainer.WarningPrefix.Length..]);
            else WriteVerbose(line);
        });
        try
        {
            return worker.Run(token => work(progress, log, token), stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl+C: the engine stopped after its current batch and kept the last checkpoint.
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            WriteVerbose(EngineErrors.Details(e));
            ThrowTerminatingError(EngineErrors.ToErrorRecord(e, errorTarget));
            throw new UnreachableException();
        }
        finally
        {
            if (!stopping.IsCancellationRequested)
                foreach (var record in view.Complete()) WriteProgress(record);
        }
    }

    /// <summary>
    /// With -AsJob: starts this cmdlet with the same parameters (less -AsJob, -WhatIf and -Confirm, which the
    /// caller has answered) as a <see cref="CmdletJob"/>, writes the job and returns true. Call it once the input has
    /// been checked, so that bad input fails here and not in the job. <paramref name="paths"/> replaces path
    /// parameters with their file-system paths (-Config is replaced by the path <see cref="LoadConfig"/> read).
    /// </summary>
    protected bool TryStartJob(params (string Name, string? Path)[] paths)
    {
        if (!AsJob) return false;
        var parameters = new Hashtable(MyInvocation.BoundParameters, StringComparer.OrdinalIgnoreCase);
        foreach (string name in (string[])[nameof(AsJob), "WhatIf", "Confirm"]) parameters.Remove(name);
        if (ConfigPath is not null) parameters[nameof(Config)] = ConfigPath;
        foreach (var (name, path) in paths)
            if (path is not null) parameters[name] = path;
        string command = string.IsNullOrWhiteSpace(MyInvocation.Line) ? MyInvocation.MyCommand.Name : MyInvocation.Line.Trim();
        var job = CmdletJob.Start(command, MyInvocation.MyCommand.Name, GetType(), parameters, SessionState.Path.CurrentFileSystemLocation.ProviderPath);
        JobRepository.Add(job);
        WriteObject(job);
        return true;
    }

    protected override void StopProcessing() => stopping.Cancel();
}
