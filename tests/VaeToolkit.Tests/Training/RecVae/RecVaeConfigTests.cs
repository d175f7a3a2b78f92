using VaeToolkit.Configuration;
using VaeToolkit.Training.Models;
using VaeToolkit.Training.Models.RecVae;

namespace VaeToolkit.Tests.Training.RecVae;

public sealed class RecVaeConfigTests
{
    [Fact]
    public void Defaults_AreThePapers()
    {
        var config = ModelRegistry.ConfigLoader.Parse("model: { type: recvae }", "x.yaml");
        Assert.Equal(ModelTypes.RecVae, config.Model.Type);
        Assert.Equal([600, 200], config.Model.EncoderDims);
        Assert.Equal(0.005, RecVaeConfig.Of(config).Gamma);
        Assert.Null(RecVaeConfig.Of(config).Beta);
        Assert.Equal(3, RecVaeConfig.Of(config).EncoderEpochs);
        Assert.Equal(1, RecVaeConfig.Of(config).DecoderEpochs);
        Assert.Equal([0.15, 0.75, 0.1], RecVaeConfig.Of(config).MixtureWeights);
        Assert.IsType<RecVaeConfig>(config.Model.Settings);
        Assert.Contains(ModelTypes.RecVae, ModelRegistry.ConfigLoader.ModelTypeNames);
    }

    [Fact]
    public void Section_IsReadWrittenForItsTypeOnly_AndCountsInEquality()
    {
        var config = ModelRegistry.ConfigLoader.Parse("""
            model:
              type: recvae
              encoder_dims: [100, 20]
              recvae: { gamma: null, beta: 0.2, encoder_epochs: 2, decoder_epochs: 3, mixture_weights: [0.2, 0.7, 0.1] }
            """, "x.yaml");
        Assert.Null(RecVaeConfig.Of(config).Gamma);
        Assert.Equal(0.2, RecVaeConfig.Of(config).Beta);
        Assert.Equal((2, 3), (RecVaeConfig.Of(config).EncoderEpochs, RecVaeConfig.Of(config).DecoderEpochs));
        Assert.Equal([0.2, 0.7, 0.1], RecVaeConfig.Of(config).MixtureWeights);

        string yaml = ConfigWriter.ToYaml(config);
        Assert.Contains("  recvae:", yaml);
        Assert.Equal(config.Model, ModelRegistry.ConfigLoader.Parse(yaml, "x.yaml").Model);
        Assert.NotEqual(config.Model, config.Model with { Settings = RecVaeConfig.Of(config) with { EncoderEpochs = 4 } });
        Assert.NotEqual(config.Model, config.Model with { Settings = RecVaeConfig.Of(config) with { MixtureWeights = [0.1, 0.8, 0.1] } });

        // Other types' checkpoints hash the written text, which must not change for them.
        Assert.DoesNotContain("recvae", ConfigWriter.ToYaml(ModelRegistry.ConfigLoader.Parse("model: { type: vae }", "x.yaml")));
    }

    [Theory]
    [InlineData("model:\n  type: recvae\n  encoder_dims: [600, 200, 100]\n", "exactly [hidden, latent]", 3)]
    [InlineData("model:\n  type: recvae\n  encoder_dims: [600]\n", "exactly [hidden, latent]", 3)]
    [InlineData("model:\n  type: recvae\n  recvae:\n    gamma: null\n", "'beta'", 4)]
    [InlineData("model:\n  type: recvae\n  recvae:\n    gamma: 0\n", "'beta'", 4)]
    [InlineData("model:\n  type: recvae\n  recvae:\n    mixture_weights: [0.5, 0.5, 0.5]\n", "summing to 1", 4)]
    [InlineData("model:\n  type: recvae\n  recvae:\n    encoder_epochs: 0\n    decoder_epochs: 0\n", "cannot both be 0", 4)]
    [InlineData("model:\n  type: recvae\n  recvae:\n    gama: 0.1\n", "did you mean 'gamma'", 4)]
    [InlineData("model:\n  type: recvae\nexport:\n  precision: int8\n", "int8", 4)]
    public void Refusals_NameTheFileAndLine(string yaml, string message, int line)
    {
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse(yaml, "/configs/r.yaml"));
        Assert.Contains(message, error.Message);
        Assert.Equal("/configs/r.yaml", error.File);
        Assert.Equal(line, error.Line);
    }

    [Fact]
    public void OtherTypes_KeepTheirEncoderDimsAndPrecisions()
    {
        Assert.Equal([600, 200, 100], ModelRegistry.ConfigLoader.Parse("model: { type: vae, encoder_dims: [600, 200, 100] }", "x.yaml").Model.EncoderDims);
        Assert.Equal(2, ModelRegistry.ConfigLoader.Parse("gpus: 2\nmodel: { type: vae }", "x.yaml").Gpus);
        Assert.Equal(Precisions.Bf16, ModelRegistry.ConfigLoader.Parse("precision: bf16\nmodel: { type: recvae }", "x.yaml").Precision);
    }

    [Fact]
    public void RecVae_TakesSeveralGpusAndFp16()
    {
        var config = ModelRegistry.ConfigLoader.Parse("gpus: 2\nprecision: fp16\nmodel: { type: recvae }", "x.yaml");
        Assert.Equal((2, Precisions.Fp16), (config.Gpus, config.Precision));
    }
}
