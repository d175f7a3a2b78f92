using VaeToolkit.Configuration;
using VaeToolkit.Training.Models;
using VaeToolkit.Training.Models.Ease;

namespace VaeToolkit.Tests.Configuration;

public sealed class ConfigSchemaTests
{
    /// <summary>
    /// The keys the writer writes only when they are set (checkpoints hash the writer's text, and those written
    /// before the key existed must still resume): set here, so that the writer writes every key.
    /// </summary>
    private static readonly string[] WrittenOnlyWhenSet = ["training.early_stopping_patience=5", "training.early_stopping_min_delta=0.001"];

    [Fact]
    public void Keys_AreTheKeysTheWriterWrites_ForEveryModelType()
    {
        // Two code paths agree: the keys the loader reads, and the keys the writer writes for some model type
        // (the writer writes model.ease.* for EASE only, model.recvae.* for RecVAE only) with every key set.
        Assert.Equal(WrittenWithEveryKeySet().Keys.Order(StringComparer.Ordinal), ModelRegistry.ConfigLoader.Schema.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Keys_AreFullNames_EachOnce_InFileOrder()
    {
        Assert.Equal(ModelRegistry.ConfigLoader.Schema.Keys.Count, ModelRegistry.ConfigLoader.Schema.Keys.Distinct().Count());
        Assert.Equal("seed", ModelRegistry.ConfigLoader.Schema.Keys[0]);
        Assert.Contains("data.synthetic.users", ModelRegistry.ConfigLoader.Schema.Keys);
        Assert.Contains("model.ease.lambda_grid", ModelRegistry.ConfigLoader.Schema.Keys);
        Assert.Contains("training.epochs", ModelRegistry.ConfigLoader.Schema.Keys);
        Assert.DoesNotContain("data", ModelRegistry.ConfigLoader.Schema.Keys); // sections are not keys
        Assert.True(ModelRegistry.ConfigLoader.Schema.Keys.ToList().IndexOf("data.dataset") < ModelRegistry.ConfigLoader.Schema.Keys.ToList().IndexOf("training.epochs"));
    }

    [Fact]
    public void EveryKey_IsAcceptedAsAnOverrideOfItsDefault_AndAnyOtherIsNot()
    {
        var written = WrittenWithEveryKeySet();
        foreach (string key in ModelRegistry.ConfigLoader.Schema.Keys)
        {
            // The default where the writer writes it, else the value set above.
            string value = ModelRegistry.ConfigLoader.Schema.DefaultText(key) ?? written[key];
            // A value written as text may need quotes again (the delimiter ','); a value of the type the key needs parses.
            string yamlValue = value is "," ? "','" : value;
            ModelRegistry.ConfigLoader.Parse("", "x.yaml", [$"{key}={yamlValue}"]);
        }
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse("", "x.yaml", ["training.epoch=3"]));
        Assert.Equal(ConfigErrorCodes.UnknownKey, error.Code);
    }

    [Fact]
    public void DefaultText_IsTheLoadersDefault()
    {
        var defaults = ModelRegistry.ConfigLoader.Defaults;
        Assert.Equal(defaults.Training.Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), ModelRegistry.ConfigLoader.Schema.DefaultText("training.epochs"));
        Assert.Equal($"[{string.Join(", ", defaults.Model.EncoderDims)}]", ModelRegistry.ConfigLoader.Schema.DefaultText("model.encoder_dims"));
        Assert.Equal("null", ModelRegistry.ConfigLoader.Schema.DefaultText("data.heldout_users"));
        Assert.Equal(defaults.Model.Type, ModelRegistry.ConfigLoader.Schema.DefaultText("model.type"));
        Assert.Equal($"[{string.Join(", ", new EaseConfig().LambdaGrid)}]", ModelRegistry.ConfigLoader.Schema.DefaultText("model.ease.lambda_grid"));
        Assert.Null(ModelRegistry.ConfigLoader.Schema.DefaultText("training.no_such_key"));
        Assert.Null(ModelRegistry.ConfigLoader.Schema.DefaultText("training.early_stopping_patience")); // the writer leaves it out at its default
    }

    /// <summary>Every key and value the writer writes for some model type, with every key set.</summary>
    private static Dictionary<string, string> WrittenWithEveryKeySet()
    {
        var written = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string type in ModelRegistry.ConfigLoader.ModelTypeNames)
        {
            string yaml = ConfigWriter.ToYaml(ModelRegistry.ConfigLoader.Parse("", "x.yaml", [$"model.type={type}", .. WrittenOnlyWhenSet]));
            foreach (var (key, value) in FlatKeys(yaml)) written.TryAdd(key, value);
        }
        return written;
    }

    /// <summary>The value keys of the writer's YAML, as section.key, with their value text: indentation gives the sections.</summary>
    private static IEnumerable<(string Key, string Value)> FlatKeys(string yaml)
    {
        var sections = new List<string>();
        foreach (string line in yaml.Split('\n'))
        {
            if (line.TrimStart().StartsWith('#') || line.Trim().Length == 0) continue;
            int depth = (line.Length - line.TrimStart().Length) / 2;
            string key = line.Trim().Split(':')[0];
            sections.RemoveRange(depth, sections.Count - depth);
            if (line.TrimEnd().EndsWith(':')) sections.Add(key);
            else yield return (string.Join('.', sections.Append(key)), line[(line.IndexOf(':') + 1)..].Trim());
        }
    }
}
