using System.Text;

namespace VaeToolkit.Cli.Help;

/// <summary>
/// What <c>vaetoolkit &lt;verb&gt; --help</c> prints: the verb's usage, what it does, each option it takes
/// and examples. <see cref="VerbCatalog"/> holds one for every verb.
/// </summary>
/// <param name="Summary">One line for the list of verbs (<c>vaetoolkit --help</c>).</param>
/// <param name="Usage">The command line after <c>vaetoolkit &lt;verb&gt;</c>, one string per form.</param>
/// <param name="Description">What the verb does and prints, a paragraph (wrapped when printed).</param>
/// <param name="Examples">Whole command lines, each optionally followed by <c>  # comment</c>.</param>
internal sealed record VerbHelp(string Summary, string[] Usage, string Description, OptionHelp[] Options, string[] Examples)
{
    private const int Width = 100;

    /// <summary>The exit codes a verb can end with; every verb may end with 1, 2 and 130.</summary>
    public string ExitCodes { get; init; } = "0 done, 1 error, 2 usage, 130 stopped";

    public string Format(string verb)
    {
        var text = new StringBuilder();
        for (int i = 0; i < Usage.Length; i++)
            text.Append(i == 0 ? "usage: " : "       ").Append("vaetoolkit ").Append(verb).Append(' ').AppendLine(Usage[i]);
        text.AppendLine();
        foreach (string line in Wrap(Description, Width - 2)) text.Append("  ").AppendLine(line);
        text.AppendLine().AppendLine("options:");
        var options = Options.Append(VerboseOption).Append(HelpOption).ToList();
        int column = Math.Min(32, options.Max(option => option.Syntax.Length) + 2);
        foreach (var option in options)
        {
            var lines = Wrap(option.Description, Width - 2 - column);
            string syntax = option.Syntax.PadRight(column);
            if (option.Syntax.Length >= column) // too long to share a line with its description
            {
                text.Append("  ").AppendLine(option.Syntax);
                syntax = new string(' ', column);
            }
            foreach (string line in lines)
            {
                text.Append("  ").Append(syntax).AppendLine(line);
                syntax = new string(' ', column);
            }
        }
        text.AppendLine().AppendLine("examples:");
        foreach (string example in Examples) text.Append("  ").AppendLine(example);
        text.AppendLine().Append("exit codes: ").Append(ExitCodes).AppendLine(".");
        return text.ToString();
    }

    /// <summary>Every verb takes it (<see cref="CommandLine.Verbose"/>).</summary>
    public static readonly OptionHelp VerboseOption = new(CommandLine.Verbose, null, "after a failure's one-line message, its details (the stack trace)");

    public static readonly OptionHelp HelpOption = new("help", null, "this help (also -h, or vaetoolkit help <verb>)");

    private static IEnumerable<string> Wrap(string paragraph, int width)
    {
        var line = new StringBuilder();
        foreach (string word in paragraph.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0) yield return line.ToString();
    }
}
