using System.Management.Automation;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.PowerShell.Completion;
using VaeToolkit.Training.Models;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Get-VaeDataset: prepares a data set as training would (found on disk, downloaded when it can be,
/// or loaded from the prepared-data cache) and reports it like the reference README's data set table.
/// </summary>
[Cmdlet(VerbsCommon.Get, "VaeDataset", DefaultParameterSetName = NameSet)]
[OutputType(typeof(DatasetReport))]
public sealed class GetVaeDatasetCommand : PSCmdlet
{
    private const string NameSet = "Name";
    private const string ConfigSet = "Config";

    private readonly CancellationTokenSource stopping = new();

    /// <summary>The data set: synthetic, ml-latest-small, ml-20m, ml-20m_alt, ml-1m, ml-100k, netflix, lastfm or pinterest.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DatasetNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>The source file or folder of the data set (data.path); by default it is looked up in the data directories.</summary>
    [Parameter(Position = 1, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    public string? Source { get; set; }

    /// <summary>A YAML experiment file whose data section to prepare.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string Config { get; set; } = "";

    /// <summary>Config overrides such as data.heldout_users=100.</summary>
    [Parameter]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(ConfigKeyCompleter))]
    public string[] Set { get; set; } = [];

    /// <summary>Prepare from the source even when the prepared-data cache holds the result.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        string? configPath = null;
        string? sourcePath = null;
        if ((ParameterSetName == ConfigSet && !FileSystemPaths.TryUnresolved(SessionState.Path, Config, out configPath, out ErrorRecord? error))
            || (Source is not null && !FileSystemPaths.TryUnresolved(SessionState.Path, Source, out sourcePath, out error)))
        {
            ThrowTerminatingError(error);
            return;
        }
        string? dataset = ParameterSetName == NameSet ? Name : null;
        object target = sourcePath ?? configPath ?? Name;

        using var worker = new PipelineWorker();
        var log = worker.Report<string>(WriteVerbose);
        try
        {
            var report = worker.Run(token =>
            {
                VaeConfig config = ModelRegistry.ConfigLoader.ForDataset(configPath, dataset, sourcePath, Set);
                return new DatasetPreparer().Prepare(config, Force, log, token).Report;
            }, stopping.Token);
            WriteObject(report);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            // One data set of several from the pipeline may be missing: report it and go on.
            WriteVerbose(EngineErrors.Details(e));
            WriteError(EngineErrors.ToErrorRecord(e, target));
        }
    }

    protected override void StopProcessing() => stopping.Cancel();
}
