using VaeToolkit.Cli;
using VaeToolkit.Cli.Help;
using VaeToolkit.Serving.Hosting;

namespace VaeToolkit.Tests.Cli;

/// <summary>
/// Every verb the dispatcher knows (<see cref="VerbCatalog"/>) has help with examples, and its help documents
/// exactly the options its code accepts (read from its <see cref="CommandLine.OnlyAllow"/> call).
/// </summary>
public sealed class CliHelpTests
{
    public static TheoryData<string> VerbNames => [.. VerbCatalog.All.Select(entry => entry.Name)];

    [Theory]
    [MemberData(nameof(VerbNames))]
    public void EveryVerb_HasHelp_WithUsageOptionsAndAnExample(string verb)
    {
        var entry = VerbCatalog.Find(verb)!;
        string[] words = verb.Split(' ');

        var (exitCode, output, error) = CliRunner.Run([.. words, "--help"]);

        Assert.Equal(0, exitCode);
        Assert.Equal("", output); // standard output carries results only
        Assert.StartsWith($"usage: vaetoolkit {verb} ", error);
        Assert.NotEmpty(entry.Help.Examples);
        Assert.Contains("examples:", error);
        foreach (string example in entry.Help.Examples)
        {
            Assert.StartsWith($"vaetoolkit {verb}", example);
            Assert.True(example.Length == $"vaetoolkit {verb}".Length || example[$"vaetoolkit {verb}".Length] == ' ', example);
            Assert.Contains(example, error);
        }
        foreach (var option in entry.Help.Options) Assert.Contains(option.Syntax, error);
        Assert.False(string.IsNullOrWhiteSpace(entry.Help.Summary));
        // The other ways to ask print the same.
        Assert.Equal((0, "", error), CliRunner.Run([.. words, "-h"]));
        Assert.Equal((0, "", error), CliRunner.Run(["help", .. words]));
    }

    [Theory]
    [MemberData(nameof(VerbNames))]
    public void EveryVerbsHelp_DocumentsExactlyTheOptionsItsCodeAccepts(string verb)
    {
        var entry = VerbCatalog.Find(verb)!;
        if (entry.Run is null) return; // serve: ServiceHelp_DocumentsOnlyOptionsTheServiceAccepts

        var probe = Assert.Throws<AllowedOptionsProbe>(() => entry.Run(new Verbs(TextWriter.Null, new VaeToolkit.Cli.Progress.LineProgress(TextWriter.Null)), CommandLine.Probe(verb), TestContext.Current.CancellationToken));

        string[] documented = [.. entry.Help.Options.Select(option => option.Name).Order(StringComparer.Ordinal)];
        Assert.Equal([.. probe.Names.Order(StringComparer.Ordinal)], documented);
        // A flag is documented without a value, any other option with one.
        foreach (var option in entry.Help.Options)
            Assert.True(CliApp.FlagNames.Contains(option.Name) == (option.Value is null), $"{verb} --{option.Name}: a flag is {CliApp.FlagNames.Contains(option.Name)}, documented with a value is {option.Value is not null}");
    }

    [Theory]
    [MemberData(nameof(VerbNames))]
    public void EveryExample_UsesOnlyDocumentedOptions(string verb)
    {
        var entry = VerbCatalog.Find(verb)!;
        var documented = entry.Help.Options.Select(option => "--" + option.Name).ToHashSet();
        foreach (string example in entry.Help.Examples)
        {
            string command = example.Split("  #")[0];
            foreach (string word in command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(word => word.StartsWith("--", StringComparison.Ordinal)))
                Assert.True(documented.Contains(word.Split('=')[0]), $"'{example}' uses {word}, which the help of {verb} does not document");
        }
    }

    [Fact]
    public void ServiceHelp_DocumentsOnlyOptionsTheServiceAccepts()
    {
        var serve = VerbCatalog.Find("serve")!;
        Assert.Contains(serve.Help.Options, option => option.Name == "max-wait-ms" && option.Value == "ms");
        foreach (var option in serve.Help.Options.Where(option => option.Name != "model"))
        {
            // A value the option may reject, but an option it did not know would be "unknown option".
            var failure = Record.Exception(() => ServerCommandLine.Parse(["--model", "m", $"--{option.Name}", "1"], _ => null));
            Assert.False(failure is not null && failure.Message.StartsWith("unknown option", StringComparison.Ordinal), $"--{option.Name}: {failure?.Message}");
        }
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public void Help_ListsEveryVerbWithOneLine(string ask)
    {
        var (exitCode, output, error) = CliRunner.Run(ask);

        Assert.Equal(0, exitCode);
        Assert.Equal("", output);
        string[] lines = error.Split('\n');
        foreach (var entry in VerbCatalog.All)
            Assert.Single(lines, line => line.StartsWith($"  {entry.Name} ", StringComparison.Ordinal) && line.TrimEnd().EndsWith(entry.Help.Summary, StringComparison.Ordinal));
    }

    [Fact]
    public void HelpForAGroup_ShowsEachOfItsVerbs()
    {
        var (exitCode, _, error) = CliRunner.Run("cache", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("usage: vaetoolkit cache list ", error);
        Assert.Contains("usage: vaetoolkit cache prune ", error);
    }

    [Theory]
    [InlineData("help", "fly")]
    [InlineData("fly", "--help")]
    public void HelpForAnUnknownVerb_IsAUsageError(params string[] args)
    {
        var (exitCode, _, error) = CliRunner.Run(args);

        Assert.Equal(2, exitCode);
        Assert.Contains("vaetoolkit: unknown verb 'fly'", error);
    }

    [Fact]
    public void HelpAfterOtherOptions_IsStillHelp_AndRunsNothing()
    {
        var (exitCode, output, error) = CliRunner.Run("train", "--config", "no-such.yaml", "--help");

        Assert.Equal(0, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith("usage: vaetoolkit train --config <yaml>", error);
    }

    [Fact]
    public void UsageErrors_ListEveryVerbsCommandLine()
    {
        var (exitCode, _, error) = CliRunner.Run("train", "--speed", "9");

        Assert.Equal(2, exitCode);
        foreach (var entry in VerbCatalog.All)
            foreach (string usage in entry.Help.Usage)
                Assert.Contains($"vaetoolkit {entry.Name.PadRight(9)} {usage}", error);
    }

    [Fact]
    public void NoBaseline_IsAFlag()
    {
        // It was parsed as an option with a value: "option --no-baseline needs a value" (exit 2).
        var (exitCode, _, error) = CliRunner.Run("test", "--model", Path.Combine(Path.GetTempPath(), "vaetoolkit-no-such-model"), "--no-baseline");

        Assert.Equal(1, exitCode);
        Assert.Contains("vaetoolkit-no-such-model", error);
    }

    [Fact]
    public void OptionsOfAServiceUsage_AreReadWithTheirValues()
    {
        var options = OptionHelp.FromUsage("""
            usage: x
              --urls <url;url>           addresses to listen on
              --quiet                    no output
            """);

        Assert.Equal([new OptionHelp("urls", "url;url", "addresses to listen on"), new OptionHelp("quiet", null, "no output")], options);
    }
}
