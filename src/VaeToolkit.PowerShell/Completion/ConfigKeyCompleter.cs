using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VaeToolkit.Configuration;
using VaeToolkit.Training.Models;

namespace VaeToolkit.PowerShell.Completion;

/// <summary>
/// Completes <c>-Set</c> overrides: the config keys (<see cref="ConfigSchema.Keys"/>, read off the loader)
/// that start with or contain what was typed, as <c>key=</c>, with the key's default as tooltip.
/// </summary>
public sealed class ConfigKeyCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string word = CompletionWord.Unquote(wordToComplete);
        if (word.Contains('=')) return [];
        // Keys that start with the word first (training.ep -> training.epochs), then those that contain it (epochs -> training.epochs).
        var keys = ModelRegistry.ConfigLoader.Schema.Keys;
        return keys.Where(key => key.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Concat(keys.Where(key => !key.StartsWith(word, StringComparison.OrdinalIgnoreCase) && key.Contains(word, StringComparison.OrdinalIgnoreCase)))
            .Select(key => new CompletionResult(key + "=", key, CompletionResultType.ParameterValue,
                ModelRegistry.ConfigLoader.Schema.DefaultText(key) is { } value ? $"{key} (default {value})" : key))
            .ToList();
    }
}
