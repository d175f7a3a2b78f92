using VaeToolkit.Configuration;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Configuration;

/// <summary>training.early_stopping_patience and early_stopping_min_delta: read, range-checked with file, line and column, written back only when set.</summary>
public sealed class EarlyStoppingConfigTests
{
    [Fact]
    public void Settings_AreRead_AndOffByDefault()
    {
        var config = ModelRegistry.ConfigLoader.Parse("training:\n  early_stopping_patience: 5\n  early_stopping_min_delta: 0.001\n", "config.yaml");
        Assert.Equal((5, 0.001), (config.Training.EarlyStoppingPatience, config.Training.EarlyStoppingMinDelta));
        var defaults = ModelRegistry.ConfigLoader.Parse("", "config.yaml");
        Assert.Equal((null, 0.0), (defaults.Training.EarlyStoppingPatience, defaults.Training.EarlyStoppingMinDelta));
        Assert.Null(ModelRegistry.ConfigLoader.Parse("training: { early_stopping_patience: null }\n", "config.yaml").Training.EarlyStoppingPatience);
        Assert.Equal(3, ModelRegistry.ConfigLoader.Parse("", "config.yaml", ["training.early_stopping_patience=3"]).Training.EarlyStoppingPatience);
    }

    [Theory]
    [InlineData("training:\n  early_stopping_patience: 0\n", "config.yaml(2,28): error VAE0104: 'training.early_stopping_patience' must be between 1 and 100000, not 0")]
    [InlineData("training:\n  early_stopping_patience: 2.5\n", "config.yaml(2,28): error VAE0103: 'training.early_stopping_patience' must be an integer, not '2.5'")]
    [InlineData("training:\n  early_stopping_min_delta: -0.01\n", "config.yaml(2,29): error VAE0104: 'training.early_stopping_min_delta' must be between 0 and 1, not -0.01")]
    [InlineData("training:\n  early_stopping_min_delta: 2\n", "config.yaml(2,29): error VAE0104: 'training.early_stopping_min_delta' must be between 0 and 1, not 2")]
    [InlineData("training:\n  early_stopping_min_delta: null\n", "config.yaml(2,29): error VAE0103: 'training.early_stopping_min_delta' must be a number, not null")]
    public void BadValues_AreLocatedErrors(string yaml, string message)
    {
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse(yaml, "config.yaml"));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void AMisspeltKey_SuggestsTheRealOne()
    {
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse("training:\n  early_stoping_patience: 3\n", "config.yaml"));
        Assert.Contains("config.yaml(2,3)", error.Message);
        Assert.Contains("'early_stopping_patience'", error.Message);
    }

    [Fact]
    public void Writer_WritesThemOnlyWhenSet_AndReadsBackTheSame()
    {
        // Unset, the resolved config is the text written before early stopping existed (checkpoints hash it).
        string plain = ConfigWriter.ToYaml(ModelRegistry.ConfigLoader.Defaults);
        Assert.DoesNotContain("early_stopping", plain);

        var set = ModelRegistry.ConfigLoader.Defaults with { Training = ModelRegistry.ConfigLoader.Defaults.Training with { EarlyStoppingPatience = 4, EarlyStoppingMinDelta = 0.0005 } };
        string yaml = ConfigWriter.ToYaml(set);
        Assert.Contains("  early_stopping_patience: 4\n", yaml.ReplaceLineEndings("\n"));
        Assert.Contains("  early_stopping_min_delta: 0.0005\n", yaml.ReplaceLineEndings("\n"));
        Assert.Equal(set.Training, ModelRegistry.ConfigLoader.Parse(yaml, "resolved.yaml").Training);
    }
}
