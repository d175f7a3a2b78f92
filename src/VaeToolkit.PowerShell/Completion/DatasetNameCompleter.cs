using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VaeToolkit.Configuration;

namespace VaeToolkit.PowerShell.Completion;

/// <summary>Completes data set names (<see cref="KnownDatasets.All"/>, what <c>data.dataset</c> accepts).</summary>
public sealed class DatasetNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string word = CompletionWord.Unquote(wordToComplete);
        foreach (string name in KnownDatasets.All)
        {
            if (!name.StartsWith(word, StringComparison.OrdinalIgnoreCase)) continue;
            string tip = KnownDatasets.MovieLens.Contains(name) ? $"{name} (MovieLens, downloaded from GroupLens when missing)"
                : name == KnownDatasets.Synthetic ? "synthetic (built in, nothing to download)"
                : name == KnownDatasets.File ? "file (any delimited or Parquet file: give -Source)"
                : $"{name} (its files must be given with -Source or found in the data folders)";
            yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, tip);
        }
    }
}
