using System.Text.RegularExpressions;

namespace VaeToolkit.Cli.Help;

/// <summary>One option of a verb as its help shows it: <c>--name &lt;value&gt;</c> and what it does.</summary>
/// <param name="Name">Without the dashes, as the verb's <see cref="CommandLine.OnlyAllow"/> names it.</param>
/// <param name="Value">What the value is (shown as <c>&lt;value&gt;</c>); null for a flag, which takes none.</param>
internal sealed partial record OptionHelp(string Name, string? Value, string Description)
{
    public string Syntax => Value is null ? $"--{Name}" : $"--{Name} <{Value}>";

    /// <summary>
    /// The options of a usage text that lists them one a line as <c>  --name &lt;value&gt;  description</c>
    /// (the service's <c>ServerCommandLine.Usage</c>), so that its help has one source.
    /// </summary>
    public static OptionHelp[] FromUsage(string usage) =>
    [
        .. OptionLine().Matches(usage).Select(match => new OptionHelp(
            match.Groups["name"].Value,
            match.Groups["value"].Success ? match.Groups["value"].Value : null,
            match.Groups["description"].Value.Trim())),
    ];

    [GeneratedRegex(@"^[ \t]+--(?<name>[\w-]+)(?: <(?<value>[^>]+)>)?[ \t]+(?<description>\S.*?)\r?$", RegexOptions.Multiline)]
    private static partial Regex OptionLine();
}
