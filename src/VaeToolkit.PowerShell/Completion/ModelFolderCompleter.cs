using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VaeToolkit.Runs;

namespace VaeToolkit.PowerShell.Completion;

/// <summary>
/// Completes <c>-Path</c> and <c>-LiteralPath</c> of the cmdlets that open a run or a model: the folders,
/// in the folder typed so far (the current location at first), that hold a run (its manifest) or a model
/// (its model card), and the folders that hold such folders (with a trailing separator, to go on with Tab).
/// </summary>
public sealed class ModelFolderCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string word = CompletionWord.Unquote(wordToComplete);
        int separator = word.LastIndexOfAny(['/', '\\']);
        string typedFolder = separator >= 0 ? word[..(separator + 1)] : "";
        string prefix = word[(separator + 1)..];
        string? folder = SessionLocation.ProviderPath(typedFolder.Length == 0 ? "." : typedFolder);
        if (folder is null || !Directory.Exists(folder)) return [];

        var results = new List<CompletionResult>();
        foreach (string directory in SafeDirectories(folder).Order(StringComparer.OrdinalIgnoreCase))
        {
            string name = Path.GetFileName(directory);
            if (!name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
            if (name.StartsWith('.') && !prefix.StartsWith('.')) continue;
            string? kind = Kind(directory);
            if (kind is not null)
                results.Add(new CompletionResult(CompletionWord.Quote(typedFolder + name), name, CompletionResultType.ProviderContainer, $"{directory} ({kind})"));
            else if (SafeDirectories(directory).Any(child => Kind(child) is not null))
                results.Add(new CompletionResult(CompletionWord.Quote(typedFolder + name + "/"), name + "/", CompletionResultType.ProviderContainer, $"{directory} (holds runs or models)"));
        }
        return results;
    }

    /// <summary>"run" for a run folder (its manifest), "model" for a model folder (its card), else null.</summary>
    internal static string? Kind(string directory) =>
        File.Exists(Path.Combine(directory, RunFiles.Manifest)) ? "run"
        : File.Exists(Path.Combine(directory, ModelFiles.Card)) ? "model"
        : null;

    private static IEnumerable<string> SafeDirectories(string folder)
    {
        try
        {
            return Directory.GetDirectories(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
