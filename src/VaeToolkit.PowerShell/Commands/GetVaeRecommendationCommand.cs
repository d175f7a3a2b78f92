using System.Management.Automation;
using VaeToolkit.Configuration;
using VaeToolkit.Inference;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Get-VaeRecommendation: the top items from a model directory for known users (ids from the pipeline
/// are scored in batches by one loaded model), for the history of a new user, or for every user of an
/// interactions file, written to a CSV. An unknown user id is an error for that id only.
/// </summary>
[Cmdlet(VerbsCommon.Get, "VaeRecommendation", DefaultParameterSetName = UserSet, SupportsShouldProcess = true)]
[OutputType(typeof(VaeRecommendation), ParameterSetName = new[] { UserSet, HistorySet })]
[OutputType(typeof(RecommendationFileSummary), ParameterSetName = new[] { FileSet })]
public sealed class GetVaeRecommendationCommand : PSCmdlet, IDisposable
{
    public const string UserSet = "UserId";
    public const string HistorySet = "ItemId";
    public const string FileSet = "File";

    private readonly CancellationTokenSource stopping = new();
    private readonly List<string> pendingUsers = [];
    private RecommendationService? service;

    /// <summary>The model directory, or a run directory (its model is used); wildcards allowed if they match one.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Known users of the model, by original id.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = UserSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Id")]
    public string[] UserId { get; set; } = [];

    /// <summary>The items of a user the model has not seen, by original id: their history.</summary>
    [Parameter(Mandatory = true, ParameterSetName = HistorySet)]
    [ValidateNotNullOrEmpty]
    public string[] ItemId { get; set; } = [];

    /// <summary>A delimited user,item interactions file with a header line; every user in it is served.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FileSet)]
    [ValidateNotNullOrEmpty]
    public string InputPath { get; set; } = "";

    /// <summary>The CSV to write (user_id,rank,item_id,score,item_name); replaced if it exists.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FileSet)]
    [ValidateNotNullOrEmpty]
    public string OutputPath { get; set; } = "";

    /// <summary>The column separator of -InputPath.</summary>
    [Parameter(ParameterSetName = FileSet)]
    public char Delimiter { get; set; } = ',';

    /// <summary>Recommendations per user.</summary>
    [Parameter]
    [ValidateRange(1, SettingRanges.MaxTop)]
    public int Top { get; set; } = 20;

    /// <summary>cpu, cuda or cuda:N: where ONNX Runtime scores.</summary>
    [Parameter]
    [ValidatePattern(DevicePattern.Value)]
    public string Device { get; set; } = "cpu";

    protected override void BeginProcessing()
    {
        if (!FileSystemPaths.TryResolve(SessionState.Path, Path, literal: false, out var matches, out ErrorRecord? error))
        {
            ThrowTerminatingError(error);
            return;
        }
        if (matches.Count > 1)
        {
            var e = new ArgumentException($"'{Path}' matches {matches.Count} items; give one model directory.");
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.AmbiguousPath, ErrorCategory.InvalidArgument, Path));
        }
        try
        {
            service = RecommendationService.Open(matches[0], Device);
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            WriteVerbose(EngineErrors.Details(e));
            ThrowTerminatingError(EngineErrors.ToErrorRecord(e, matches[0]));
        }
    }

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case UserSet:
                pendingUsers.AddRange(UserId);
                if (pendingUsers.Count >= Service.BatchSize) RecommendForPendingUsers();
                break;
            case HistorySet:
                RecommendForHistory();
                break;
            case FileSet:
                RecommendFile();
                break;
        }
    }

    protected override void EndProcessing()
    {
        if (pendingUsers.Count > 0) RecommendForPendingUsers();
    }

    protected override void StopProcessing() => stopping.Cancel();

    public void Dispose() => service?.Dispose();

    private RecommendationService Service => service ?? throw new InvalidOperationException("the model is not open");

    private void RecommendForPendingUsers()
    {
        string[] users = [.. pendingUsers];
        pendingUsers.Clear();
        IReadOnlyList<RecommendationResult> results;
        try
        {
            results = Service.RecommendForUsers(users, Top, stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            // The batch could not be scored: one error for its users, and the next batch is still tried.
            WriteVerbose(EngineErrors.Details(e));
            WriteError(EngineErrors.ToErrorRecord(e, users));
            return;
        }
        foreach (var result in results)
        {
            if (result.Succeeded)
                WriteRecommendations(result);
            else
                WriteError(new ErrorRecord(new KeyNotFoundException(result.Error), ErrorIds.UnknownUser, ErrorCategory.ObjectNotFound, result.UserId));
        }
    }

    private void RecommendForHistory()
    {
        RecommendationResult result;
        try
        {
            result = Service.RecommendForHistory(ItemId, Top);
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            WriteVerbose(EngineErrors.Details(e));
            WriteError(EngineErrors.ToErrorRecord(e, ItemId));
            return;
        }
        if (result.UnknownItemIds.Count > 0)
            WriteWarning($"The model does not know {result.UnknownItemIds.Count} of the item ids, which are left out of the history: {string.Join(", ", result.UnknownItemIds)}");
        if (result.Succeeded)
            WriteRecommendations(result);
        else
            WriteError(new ErrorRecord(new KeyNotFoundException(result.Error), ErrorIds.NoKnownItems, ErrorCategory.ObjectNotFound, ItemId));
    }

    private void RecommendFile()
    {
        if (!FileSystemPaths.TryUnresolved(SessionState.Path, InputPath, out string? input, out ErrorRecord? error)
            || !FileSystemPaths.TryUnresolved(SessionState.Path, OutputPath, out string? output, out error))
        {
            ThrowTerminatingError(error);
            return;
        }
        if (!ShouldProcess(output, $"Write the top {Top} recommendations for the users of '{input}'")) return;

        string activity = $"Recommending for the users of {input}";
        using var worker = new PipelineWorker();
        var scored = worker.Report<int>(users => WriteProgress(new ProgressRecord(1, activity, $"{users} users scored")));
        RecommendationFileSummary summary;
        try
        {
            summary = worker.Run(token => Service.RecommendFile(input, output, Top, Delimiter, scored, token), stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
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
            if (!stopping.IsCancellationRequested)
                WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
        if (summary.SkippedUsers.Count > 0)
            WriteWarning($"{summary.SkippedUsers.Count} users have no item the model knows and got no recommendations: {string.Join(", ", summary.SkippedUsers.Take(10))}{(summary.SkippedUsers.Count > 10 ? ", ..." : "")}");
        WriteObject(summary);
    }

    private void WriteRecommendations(RecommendationResult result)
    {
        foreach (var recommendation in result.Recommendations)
            WriteObject(VaeRecommendation.From(recommendation));
    }
}
