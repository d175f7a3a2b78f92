using System.Management.Automation;
using VaeToolkit.Configuration;
using VaeToolkit.Inference;
using VaeToolkit.Inference.Batch;
using VaeToolkit.PowerShell.Completion;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Get-VaeRecommendation: the top items from a model directory for known users (ids from the pipeline
/// are scored in batches by one loaded model), for the history of a new user, or for every user of an
/// interactions file of any size (CSV/TSV or Parquet in, CSV or Parquet out, optionally one shard of it).
/// An unknown user id is an error for that id only. -IncludeSeen ranks the users' own items with the others.
/// </summary>
[Cmdlet(VerbsCommon.Get, "VaeRecommendation", DefaultParameterSetName = UserSet, SupportsShouldProcess = true)]
[OutputType(typeof(VaeRecommendation), ParameterSetName = new[] { UserSet, HistorySet })]
[OutputType(typeof(BatchScoringSummary), ParameterSetName = new[] { FileSet })]
public sealed class GetVaeRecommendationCommand : ModelFileCommandBase
{
    public const string UserSet = "UserId";
    public const string HistorySet = "ItemId";

    private readonly List<string> pendingUsers = [];

    /// <summary>Known users of the model, by original id.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = UserSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Id")]
    public string[] UserId { get; set; } = [];

    /// <summary>The items of a user the model has not seen, by original id: their history.</summary>
    [Parameter(Mandatory = true, ParameterSetName = HistorySet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ItemIdCompleter))]
    public string[] ItemId { get; set; } = [];

    /// <summary>Recommendations per user.</summary>
    [Parameter]
    [ValidateRange(1, SettingRanges.MaxTop)]
    public int Top { get; set; } = 20;

    /// <summary>Rank the users' own items (their history) with the others instead of leaving them out.</summary>
    [Parameter(ParameterSetName = UserSet)]
    [Parameter(ParameterSetName = HistorySet)]
    public SwitchParameter IncludeSeen { get; set; }

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if (!IncludeSeen) return;
        try
        {
            Service.EnsureCanIncludeSeen();
        }
        catch (NotSupportedException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.IncludeSeenNotSupported, ErrorCategory.InvalidOperation, Service.Bundle.Directory));
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

    private void RecommendForPendingUsers()
    {
        string[] users = [.. pendingUsers];
        pendingUsers.Clear();
        IReadOnlyList<RecommendationResult> results;
        try
        {
            results = Service.RecommendForUsers(users, Top, StopToken.Token, excludeSeen: !IncludeSeen);
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
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
            result = Service.RecommendForHistory(ItemId, Top, excludeSeen: !IncludeSeen);
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

    private void RecommendFile() =>
        RunFileJob($"the top {Top} recommendations", (options, progress, token) => Service.RecommendFile(options, Top, progress, token));

    private void WriteRecommendations(RecommendationResult result)
    {
        foreach (var recommendation in result.Recommendations)
            WriteObject(VaeRecommendation.From(recommendation));
    }
}
