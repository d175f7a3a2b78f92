using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VaeToolkit.Runs;

namespace VaeToolkit.PowerShell.Completion;

/// <summary>
/// Completes <c>-ItemId</c> from the items of the model that <c>-Path</c> (already on the command line)
/// names: the ids that start with what was typed, then the items whose name contains it, most popular
/// first; the item's name is the tooltip. Nothing without a bound <c>-Path</c> or a readable items.tsv.
/// </summary>
public sealed class ItemIdCompleter : IArgumentCompleter
{
    /// <summary>Enough to choose from; a catalogue of 20,000 items is not a menu.</summary>
    private const int MaxResults = 200;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        ItemTable? items = LoadItems(fakeBoundParameters);
        if (items is null) return [];
        string word = CompletionWord.Unquote(wordToComplete);
        int[] byPopularity = items.RankByPopularity();
        var byId = byPopularity.Where(i => items.Ids[i].StartsWith(word, StringComparison.OrdinalIgnoreCase));
        var byName = word.Length == 0 ? Enumerable.Empty<int>() : byPopularity.Where(i =>
            !items.Ids[i].StartsWith(word, StringComparison.OrdinalIgnoreCase) && items.NameOf(i) is { } name && name.Contains(word, StringComparison.OrdinalIgnoreCase));
        return byId.Concat(byName).Take(MaxResults).Select(i => Result(items, i)).ToList();
    }

    private static CompletionResult Result(ItemTable items, int index)
    {
        string id = items.Ids[index];
        string? name = items.NameOf(index);
        bool named = !string.IsNullOrWhiteSpace(name);
        return new CompletionResult(CompletionWord.Quote(id), named ? $"{id} {name}" : id, CompletionResultType.ParameterValue,
            named ? name! : $"item {id}");
    }

    /// <summary>The items of the model or run folder that -Path names, or null.</summary>
    private static ItemTable? LoadItems(IDictionary fakeBoundParameters)
    {
        string? path = fakeBoundParameters["Path"] switch
        {
            string one => one,
            IEnumerable many => many.OfType<object>().Select(p => p.ToString()).FirstOrDefault(),
            { } other => other.ToString(),
            null => null,
        };
        if (string.IsNullOrEmpty(path) || SessionLocation.ProviderPath(path) is not { } folder) return null;
        string itemsFile = Path.Combine(folder, ModelFiles.Items);
        if (!File.Exists(itemsFile)) itemsFile = Path.Combine(folder, RunFiles.ModelFolder, ModelFiles.Items);
        if (!File.Exists(itemsFile)) return null;
        try
        {
            return ItemTable.Load(itemsFile);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            return null;
        }
    }
}
