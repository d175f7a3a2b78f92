using System.Management.Automation.Language;

namespace VaeToolkit.PowerShell.Completion;

/// <summary>The word being completed without its opening quote, and completion texts quoted where PowerShell needs it.</summary>
internal static class CompletionWord
{
    /// <summary><paramref name="wordToComplete"/> as typed, less an opening (and closing) quote.</summary>
    public static string Unquote(string? wordToComplete)
    {
        string word = wordToComplete ?? "";
        if (word.Length > 0 && (word[0] == '\'' || word[0] == '"'))
        {
            word = word[1..];
            if (word.Length > 0 && (word[^1] == '\'' || word[^1] == '"')) word = word[..^1];
        }
        return word;
    }

    /// <summary><paramref name="text"/> as an argument: single-quoted when it holds anything PowerShell would read otherwise.</summary>
    public static string Quote(string text) =>
        text.Length > 0 && text.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/' or '\\' or '=' or '@' or '+')
            ? text
            : "'" + CodeGeneration.EscapeSingleQuotedStringContent(text) + "'";
}
