using VaeToolkit.Configuration;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    [Fact]
    public void Defaults_AreTheReferenceHyperparameters()
    {
        var config = ModelRegistry.ConfigLoader.Defaults;
        Assert.Equal(200, config.Training.Epochs);
        Assert.Equal(10000, config.Training.BatchSize);
        Assert.Equal(0.001, config.Training.LearningRate);
        Assert.Equal(200000, config.Training.TotalAnnealSteps);
        Assert.Equal(0.2, config.Training.AnnealCap);
        Assert.Equal(0.01, config.Training.Lam);
        Assert.Equal([600, 200], config.Model.EncoderDims);
        Assert.Equal(3.5, config.Data.PositiveThreshold);
    }

    [Fact]
    public void MisspeltKey_NamesFileLineColumnAndSuggestion()
    {
        const string yaml = "training:\n  epochs: 3\n  lerning_rate: 0.01\n";
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse(yaml, "/tmp/ml20m.yaml"));
        Assert.Equal(ConfigErrorCodes.UnknownKey, error.Code);
        Assert.Equal(3, error.Line);
        Assert.Equal(3, error.Column);
        Assert.Equal("ml20m.yaml(3,3): error VAE0101: unknown key 'training.lerning_rate' (did you mean 'learning_rate'?)", error.Message);
    }

    [Fact]
    public void DuplicateKey_IsAnError()
    {
        const string yaml = "seed: 1\nseed: 2\n";
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse(yaml, "x.yaml"));
        Assert.Equal(ConfigErrorCodes.DuplicateKey, error.Code);
        Assert.Equal(2, error.Line);
    }

    [Theory]
    [InlineData("training:\n  epochs: many\n", ConfigErrorCodes.WrongType, 2)]
    [InlineData("training:\n  epochs: 0\n", ConfigErrorCodes.OutOfRange, 2)]
    [InlineData("model:\n  type: gan\n", ConfigErrorCodes.OutOfRange, 2)]
    [InlineData("model:\n  encoder_dims: [600, x]\n", ConfigErrorCodes.WrongType, 2)]
    [InlineData("data:\n  target_fraction: 1.5\n", ConfigErrorCodes.OutOfRange, 2)]
    [InlineData("data: [1, 2]\n", ConfigErrorCodes.WrongType, 1)]
    [InlineData("seed: [1\n", ConfigErrorCodes.MalformedYaml, 2)]
    [InlineData("seed: 1\ndevice: gpu\n", ConfigErrorCodes.OutOfRange, 2)]
    [InlineData("precision: fp8\n", ConfigErrorCodes.OutOfRange, 1)]
    [InlineData("gpus: 0\n", ConfigErrorCodes.OutOfRange, 1)]
    [InlineData("training:\n  lam: 0\n  beta2: 1\n", ConfigErrorCodes.OutOfRange, 3)]
    public void BadValues_AreReportedWithTheirLine(string yaml, string code, int line)
    {
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse(yaml, "bad.yaml"));
        Assert.Equal(code, error.Code);
        Assert.Equal(line, error.Line);
    }

    [Fact]
    public void Overrides_ReplaceValuesAndAreChecked()
    {
        var config = ModelRegistry.ConfigLoader.Parse("training:\n  epochs: 3\n", "x.yaml", ["training.epochs=7", "model.type=dae"]);
        Assert.Equal(7, config.Training.Epochs);
        Assert.Equal("dae", config.Model.Type);
        var misspelt = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse("seed: 1\n", "x.yaml", ["training.epoch=7"]));
        Assert.Equal(0, misspelt.Line); // the override has no line in the file
        Assert.EndsWith("unknown key 'training.epoch' (did you mean 'epochs'?), in an override", misspelt.Message);
        var wrongType = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse("training:\n  epochs: 3\n", "x.yaml", ["training.epochs=many"]));
        Assert.Equal(ConfigErrorCodes.WrongType, wrongType.Code);
        Assert.Equal(0, wrongType.Line);
        Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse("", "x.yaml", ["no-equals-sign"]));
    }

    [Fact]
    public void MissingFile_IsAnError()
    {
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Load("/nonexistent/cfg.yaml"));
        Assert.Equal(ConfigErrorCodes.MissingFile, error.Code);
        Assert.Contains("/nonexistent/cfg.yaml", error.Message);
    }

    [Fact]
    public void Writer_RoundTripsEveryValue()
    {
        var config = ModelRegistry.ConfigLoader.Parse(
            "seed: 7\ndata:\n  dataset: file\n  path: /data/x.tsv\n  delimiter: '\\t'\n  positive_threshold: null\nmodel:\n  encoder_dims: [64, 16]\ntraining:\n  threads: 2\n  beta1: 0.8\n  beta2: 0.9\n",
            "/cfg/x.yaml");
        var again = ModelRegistry.ConfigLoader.Parse(ConfigWriter.ToYaml(config), "/cfg/x.yaml");
        Assert.Equal(config with { SourcePath = null }, again with { SourcePath = null });
        Assert.Equal("\t", again.Data.Delimiter);
        Assert.Null(again.Data.PositiveThreshold);
        Assert.Equal((0.8, 0.9), (again.Training.Beta1, again.Training.Beta2));
    }
}
