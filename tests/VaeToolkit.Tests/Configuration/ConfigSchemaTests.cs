using VaeToolkit.Configuration;

namespace VaeToolkit.Tests.Configuration;

public sealed class ConfigSchemaTests
{
    [Fact]
    public void Keys_AreTheKeysTheWriterWrites_ForEveryModelType()
    {
        // Two code paths agree: the keys the loader reads, and the keys the writer writes for some model type
        // (the writer writes model.ease.* for EASE only, model.recvae.* for RecVAE only).
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (string type in ModelTypes.All)
        {
            string yaml = ConfigWriter.ToYaml(ConfigLoader.Parse("", "x.yaml", [$"model.type={type}"]));
            written.UnionWith(FlatKeys(yaml));
        }
        Assert.Equal(written.Order(StringComparer.Ordinal), ConfigSchema.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Keys_AreFullNames_EachOnce_InFileOrder()
    {
        Assert.Equal(ConfigSchema.Keys.Count, ConfigSchema.Keys.Distinct().Count());
        Assert.Equal("seed", ConfigSchema.Keys[0]);
        Assert.Contains("data.synthetic.users", ConfigSchema.Keys);
        Assert.Contains("model.ease.lambda_grid", ConfigSchema.Keys);
        Assert.Contains("training.epochs", ConfigSchema.Keys);
        Assert.DoesNotContain("data", ConfigSchema.Keys); // sections are not keys
        Assert.True(ConfigSchema.Keys.ToList().IndexOf("data.dataset") < ConfigSchema.Keys.ToList().IndexOf("training.epochs"));
    }

    [Fact]
    public void EveryKey_IsAcceptedAsAnOverrideOfItsDefault_AndAnyOtherIsNot()
    {
        foreach (string key in ConfigSchema.Keys)
        {
            string value = ConfigSchema.DefaultText(key) ?? throw new Xunit.Sdk.XunitException($"no default for {key}");
            // A default written as text may need quotes again (the delimiter ','); a default of the type the key needs parses.
            string yamlValue = value is "," ? "','" : value;
            ConfigLoader.Parse("", "x.yaml", [$"{key}={yamlValue}"]);
        }
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("", "x.yaml", ["training.epoch=3"]));
        Assert.Equal(ConfigErrorCodes.UnknownKey, error.Code);
    }

    [Fact]
    public void DefaultText_IsTheLoadersDefault()
    {
        var defaults = ConfigLoader.Defaults;
        Assert.Equal(defaults.Training.Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), ConfigSchema.DefaultText("training.epochs"));
        Assert.Equal($"[{string.Join(", ", defaults.Model.EncoderDims)}]", ConfigSchema.DefaultText("model.encoder_dims"));
        Assert.Equal("null", ConfigSchema.DefaultText("data.heldout_users"));
        Assert.Equal(defaults.Model.Type, ConfigSchema.DefaultText("model.type"));
        Assert.Equal($"[{string.Join(", ", new EaseConfig().LambdaGrid)}]", ConfigSchema.DefaultText("model.ease.lambda_grid"));
        Assert.Null(ConfigSchema.DefaultText("training.no_such_key"));
    }

    /// <summary>The value keys of the writer's YAML, as section.key: indentation gives the sections.</summary>
    private static IEnumerable<string> FlatKeys(string yaml)
    {
        var sections = new List<string>();
        foreach (string line in yaml.Split('\n'))
        {
            if (line.TrimStart().StartsWith('#') || line.Trim().Length == 0) continue;
            int depth = (line.Length - line.TrimStart().Length) / 2;
            string key = line.Trim().Split(':')[0];
            sections.RemoveRange(depth, sections.Count - depth);
            if (line.TrimEnd().EndsWith(':')) sections.Add(key);
            else yield return string.Join('.', sections.Append(key));
        }
    }
}
