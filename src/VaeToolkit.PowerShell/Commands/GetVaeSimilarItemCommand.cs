using System.Management.Automation;
using VaeToolkit.Configuration;
using VaeToolkit.Inference;
using VaeToolkit.PowerShell.Completion;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Get-VaeSimilarItem: the items most similar to each given item (the cosine of the items' vectors, the
/// decoder's output weights), from a model loaded once. An unknown item id is an error for that id only.
/// </summary>
[Cmdlet(VerbsCommon.Get, "VaeSimilarItem")]
[OutputType(typeof(VaeSimilarItem))]
public sealed class GetVaeSimilarItemCommand : PSCmdlet
{
    private ItemSimilarity? similarity;

    /// <summary>The model directory, or a run directory (its model is used); wildcards allowed if they match one.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ModelFolderCompleter))]
    public string Path { get; set; } = "";

    /// <summary>Items of the model, by original id.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ItemIdCompleter))]
    public string[] ItemId { get; set; } = [];

    /// <summary>Similar items per item.</summary>
    [Parameter]
    [ValidateRange(1, SettingRanges.MaxTop)]
    public int Top { get; set; } = 10;

    protected override void BeginProcessing()
    {
        if (!FileSystemPaths.TryResolveOne(SessionState.Path, Path, out string? model, out ErrorRecord? error))
        {
            ThrowTerminatingError(error);
            return;
        }
        try
        {
            similarity = ItemSimilarity.Open(model);
        }
        catch (Exception e) when (EngineErrors.IsExpected(e))
        {
            WriteVerbose(EngineErrors.Details(e));
            ThrowTerminatingError(EngineErrors.ToErrorRecord(e, model));
        }
    }

    protected override void ProcessRecord()
    {
        var model = similarity ?? throw new InvalidOperationException("the model is not open");
        foreach (string id in ItemId)
        {
            IReadOnlyList<SimilarItem> similar;
            try
            {
                similar = model.Similar(id, Top);
            }
            catch (UnknownItemException e)
            {
                WriteError(new ErrorRecord(e, ErrorIds.UnknownItem, ErrorCategory.ObjectNotFound, id));
                continue;
            }
            foreach (var item in similar) WriteObject(VaeSimilarItem.From(id, item));
        }
    }
}
