using VaeToolkit.Configuration;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Configuration;

/// <summary>
/// The loader knows a model only through what it is given (<see cref="IModelConfigType"/>): a model type of this
/// test, with a section and a rule of its own, is read, checked, written and listed like the built-in ones.
/// </summary>
public sealed class ModelConfigTypeTests
{
    /// <summary><c>model.slim</c> of a made-up SLIM model: an L1 weight and a switch.</summary>
    private sealed record SlimConfig : ModelTypeConfig
    {
        public double L1 { get; init; } = 0.5;

        public bool Positive { get; init; } = true;

        public static SlimConfig Read(YamlSection section)
        {
            var d = new SlimConfig();
            var slim = new SlimConfig { L1 = section.Double("l1", d.L1, min: 0, max: 10), Positive = section.Bool("positive", d.Positive) };
            section.RejectUnknownKeys();
            return slim;
        }

        public static void Check(VaeConfig config, YamlSection root)
        {
            if (config.Model.Dropout != 0)
                throw root.Section("model").ErrorAt("dropout", ConfigErrorCodes.OutOfRange, "'model.dropout' must be 0 for SLIM");
        }

        public override IEnumerable<KeyValuePair<string, string>> ToYaml() =>
            [new("l1", YamlValues.Number(L1)), new("positive", Positive ? "true" : "false")];
    }

    private sealed record SlimType(string Type, Func<YamlSection, ModelTypeConfig>? ReadSection, Action<VaeConfig, YamlSection>? CheckConfig) : IModelConfigType;

    private static readonly ConfigLoader Loader = new([.. ModelRegistry.All, new SlimType("slim", SlimConfig.Read, SlimConfig.Check)]);

    [Fact]
    public void AGivenType_IsAccepted_ItsSectionRead_AndWrittenBackForItsTypeOnly()
    {
        var config = Loader.Parse("model:\n  type: slim\n  dropout: 0\n  slim: { l1: 2.5 }\n", "s.yaml");

        Assert.Equal(new SlimConfig { L1 = 2.5, Positive = true }, config.Model.Settings);
        string yaml = ConfigWriter.ToYaml(config);
        Assert.Contains("  slim:\n    l1: 2.5\n    positive: true\n", yaml.ReplaceLineEndings("\n"));
        Assert.Equal(config.Model, Loader.Parse(yaml, "s.yaml").Model);
        Assert.DoesNotContain("slim", ConfigWriter.ToYaml(Loader.Parse("model: { type: vae }", "v.yaml")));
        Assert.Null(Loader.Parse("model: { type: vae }", "v.yaml").Model.Settings);
    }

    [Theory]
    [InlineData("model:\n  type: slim\n  dropout: 0\n  slim:\n    l2: 1\n", "did you mean 'l1'", 5)]
    [InlineData("model:\n  type: vae\n  slim:\n    l1: -1\n", "'model.slim.l1'", 4)] // checked whichever type is chosen
    [InlineData("model:\n  type: slim\n  dropout: 0.5\n", "must be 0 for SLIM", 3)] // the type's rule, where its key is
    [InlineData("model:\n  type: vae\n  vae: { x: 1 }\n", "unknown key 'model.vae'", 3)] // a type without a section has none
    public void ItsErrors_NameTheFileAndLine(string yaml, string message, int line)
    {
        var error = Assert.Throws<ConfigException>(() => Loader.Parse(yaml, "/c/s.yaml"));
        Assert.Contains(message, error.Message);
        Assert.Equal(line, error.Line);
    }

    [Fact]
    public void TheRuleRunsOnlyForItsType()
    {
        Assert.Equal(0.5, Loader.Parse("model:\n  type: vae\n  dropout: 0.5\n", "v.yaml").Model.Dropout);
    }

    [Fact]
    public void ItsKeysAndDefaults_AreInTheSchema_AndItsNameInTheUnknownTypeError()
    {
        Assert.Contains("model.slim.l1", Loader.Schema.Keys);
        Assert.Equal("0.5", Loader.Schema.DefaultText("model.slim.l1"));
        Assert.DoesNotContain("model.slim.l1", ModelRegistry.ConfigLoader.Schema.Keys);

        var error = Assert.Throws<ConfigException>(() => Loader.Parse("model: { type: sli }", "x.yaml"));
        Assert.Contains("vae, dae, ease, recvae, slim", error.Message);
        Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse("model: { type: slim }", "x.yaml"));
    }

    [Fact]
    public void ALoader_RefusesTwoEntriesOfOneType_AndATypeListWithoutTheDefault()
    {
        Assert.Contains("given twice", Assert.Throws<ArgumentException>(() => new ConfigLoader([.. ModelRegistry.All, ModelRegistry.Find("ease")])).Message);
        Assert.Contains("default model type 'vae'", Assert.Throws<ArgumentException>(() => new ConfigLoader([ModelRegistry.Find("ease")])).Message);
    }
}
