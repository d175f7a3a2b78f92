using System.Management.Automation;
using System.Text.RegularExpressions;
using VaeToolkit.Configuration;
using VaeToolkit.Data.Parsing;
using VaeToolkit.Inference;
using VaeToolkit.Inference.Batch;
using VaeToolkit.PowerShell.Completion;

namespace VaeToolkit.PowerShell;

/// <summary>
/// What the cmdlets that score files share: the model (opened once in BeginProcessing), the device, and
/// the batch job's parameters (input, output, format, columns, shard). Their file parameters belong to
/// the <see cref="FileSet"/> parameter set.
/// </summary>
public abstract class ModelFileCommandBase : PSCmdlet, IDisposable
{
    public const string FileSet = "File";

    private RecommendationService? service;

    /// <summary>The model directory, or a run directory (its model is used); wildcards allowed if they match one.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ModelFolderCompleter))]
    public string Path { get; set; } = "";

    /// <summary>Interactions to score: CSV or TSV with a header line, or Parquet; users' rows in any order.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FileSet)]
    [ValidateNotNullOrEmpty]
    public string InputPath { get; set; } = "";

    /// <summary>The file to write, CSV or Parquet by extension (or -Format); replaced if it exists, only once complete.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FileSet)]
    [ValidateNotNullOrEmpty]
    public string OutputPath { get; set; } = "";

    /// <summary>csv or parquet, whatever the output's extension.</summary>
    [Parameter(ParameterSetName = FileSet)]
    [ValidateSet("csv", "parquet")]
    public string? Format { get; set; }

    /// <summary>The user id column of -InputPath: a header name or 0-based index.</summary>
    [Parameter(ParameterSetName = FileSet)]
    [ValidateNotNullOrEmpty]
    public string UserColumn { get; set; } = new InteractionColumns().User;

    /// <summary>The item id column of -InputPath: a header name or 0-based index.</summary>
    [Parameter(ParameterSetName = FileSet)]
    [ValidateNotNullOrEmpty]
    public string ItemColumn { get; set; } = new InteractionColumns().Item;

    /// <summary>The column separator of a text -InputPath; by default a tab for .tsv files and a comma otherwise.</summary>
    [Parameter(ParameterSetName = FileSet)]
    [ValidateNotNullOrEmpty]
    public string? Delimiter { get; set; }

    /// <summary>i/N: score only shard i (0-based) of N; auto/N or auto take the index (and count) from Kubernetes or Slurm.</summary>
    [Parameter(ParameterSetName = FileSet)]
    [ValidateNotNullOrEmpty]
    public string? Shard { get; set; }

    /// <summary>Score a shard again even when its manifest says it is finished.</summary>
    [Parameter(ParameterSetName = FileSet)]
    public SwitchParameter Force { get; set; }

    /// <summary>Where the grouping pass spills (about the input's size); by default beside the output.</summary>
    [Parameter(ParameterSetName = FileSet)]
    [ValidateNotNullOrEmpty]
    public string? SpillDirectory { get; set; }

    /// <summary>cpu, cuda or cuda:N: where ONNX Runtime scores.</summary>
    [Parameter]
    [ValidatePattern(DevicePattern.Value)]
    [ArgumentCompleter(typeof(DeviceCompleter))]
    public string Device { get; set; } = "cpu";

    /// <summary>Users per ONNX Runtime call: 500 unless given on the CPU, a GPU-sized batch on CUDA.</summary>
    [Parameter]
    [ValidateRange(1, SettingRanges.MaxBatchSize)]
    public int BatchSize { get; set; } = RecommendationService.DefaultBatchSize;

    /// <summary><see cref="BatchSize"/> when given; null leaves the choice to the device (<see cref="ScoringBatchSize"/>).</summary>
    private protected int? GivenBatchSize => MyInvocation.BoundParameters.ContainsKey(nameof(BatchSize)) ? BatchSize : null;

    protected CancellationTokenSource StopToken { get; } = new();

    protected RecommendationService Service => service ?? throw new InvalidOperationException("the model is not open");

    protected override void BeginProcessing()
    {
        if (!FileSystemPaths.TryResolveOne(SessionState.Path, Path, out string? model, out ErrorRecord? error))
        {
            ThrowTerminatingError(error);
            return;
        }
        try
        {
            service = RecommendationService.Open(model, Device, GivenBatchSize, forBatchJobs: ParameterSetName == FileSet);
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            WriteVerbose(EngineErrors.Details(e));
            ThrowTerminatingError(EngineErrors.ToErrorRecord(e, model));
        }
    }

    protected override void StopProcessing() => StopToken.Cancel();

    public void Dispose()
    {
        service?.Dispose();
        StopToken.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Runs a batch job over -InputPath into -OutputPath with Write-Progress, after ShouldProcess; writes
    /// the summary, and a warning for the users that got nothing. Ctrl+C stops it with no output written.
    /// </summary>
    protected void RunFileJob(string action, Func<BatchJobOptions, IProgress<BatchScoringProgress>, CancellationToken, BatchScoringSummary> job)
    {
        if (!FileSystemPaths.TryUnresolved(SessionState.Path, InputPath, out string? input, out ErrorRecord? error)
            || !FileSystemPaths.TryUnresolved(SessionState.Path, OutputPath, out string? output, out error)
            || !TryUnresolvedOrNull(SpillDirectory, out string? spill, out error))
        {
            ThrowTerminatingError(error);
            return;
        }
        BatchJobOptions options;
        try
        {
            options = new BatchJobOptions
            {
                InputPath = input,
                OutputPath = output,
                Format = Format,
                Columns = new InteractionColumns { User = UserColumn, Item = ItemColumn, Delimiter = Delimiter is null ? null : Regex.Unescape(Delimiter) },
                Shard = Shard is null ? ShardSpec.Whole : ShardSpec.Parse(Shard),
                Force = Force,
                SpillDirectory = spill,
            };
        }
        catch (FormatException e)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Shard: {e.Message}", e), ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, Shard));
            return;
        }
        catch (ArgumentException e) // Regex.Unescape: a delimiter such as '\q'
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Delimiter '{Delimiter}': {e.Message}", e), ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, Delimiter));
            return;
        }
        string target = BatchJob.ShardOutputPath(output, options.Shard);
        if (!ShouldProcess(target, $"Write {action} for the users of '{input}'")) return;

        string activity = $"Writing {action} for the users of {input}";
        using var worker = new PipelineWorker();
        var progress = worker.Report<BatchScoringProgress>(value =>
        {
            var record = new ProgressRecord(1, activity, value.ToString()) { PercentComplete = (int)(value.Fraction * 100) };
            if (value.Remaining is { } left) record.SecondsRemaining = (int)left.TotalSeconds;
            WriteProgress(record);
        });
        BatchScoringSummary summary;
        try
        {
            summary = worker.Run(token => job(options, progress, token), StopToken.Token);
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            WriteVerbose(EngineErrors.Details(e));
            ThrowTerminatingError(EngineErrors.ToErrorRecord(e, input));
            return;
        }
        finally
        {
            if (!StopToken.IsCancellationRequested)
                WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
        if (summary.AlreadyDone)
            WriteVerbose($"{summary.OutputPath} is already done (its manifest matches the input, the model and the settings); -Force scores it again");
        if (summary.SkippedUserCount > 0)
            WriteWarning($"{summary.SkippedUserCount} users have no item the model knows and got nothing: {string.Join(", ", summary.SkippedUsers.Take(10))}{(summary.SkippedUserCount > 10 ? ", ..." : "")}");
        WriteObject(summary);
    }

    private bool TryUnresolvedOrNull(string? path, out string? resolved, out ErrorRecord? error)
    {
        resolved = null;
        error = null;
        if (path is null) return true;
        bool ok = FileSystemPaths.TryUnresolved(SessionState.Path, path, out string? full, out error);
        resolved = full;
        return ok;
    }
}
