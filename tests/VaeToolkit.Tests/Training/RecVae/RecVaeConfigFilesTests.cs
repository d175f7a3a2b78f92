using VaeToolkit.Configuration;
using VaeToolkit.Training.Models;
using VaeToolkit.Training.Models.RecVae;

namespace VaeToolkit.Tests.Training.RecVae;

public sealed class RecVaeConfigFilesTests
{
    [Theory]
    [InlineData("ml-latest-small-recvae.yaml", "ml-latest-small.yaml")]
    [InlineData("ml20m-recvae.yaml", "ml20m.yaml")]
    [InlineData("netflix-recvae.yaml", "netflix.yaml")]
    public void RecVaeConfig_SharesItsMultVaeConfigsSeedAndData_WithThePapersSettings(string file, string multVae)
    {
        var config = ModelRegistry.ConfigLoader.Load(Path.Combine(ConfigFolder(), file));
        var reference = ModelRegistry.ConfigLoader.Load(Path.Combine(ConfigFolder(), multVae));

        Assert.Equal(reference.Seed, config.Seed);
        Assert.Equal(reference.Data, config.Data);
        Assert.Equal(ModelTypes.RecVae, config.Model.Type);
        Assert.Equal([600, 200], config.Model.EncoderDims);
        Assert.Equal(0.5, config.Model.Dropout);
        Assert.Equal((0.005, (double?)null, 3, 1), (RecVaeConfig.Of(config).Gamma, RecVaeConfig.Of(config).Beta, RecVaeConfig.Of(config).EncoderEpochs, RecVaeConfig.Of(config).DecoderEpochs));
        Assert.Equal((0.0005, 500, 50), (config.Training.LearningRate, config.Training.BatchSize, config.Training.Epochs));
        Assert.Equal((1, "fp32"), (config.Gpus, config.Precision));
    }

    private static string ConfigFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "VaeToolkit.sln"))) return Path.Combine(folder.FullName, "configs");
        throw new DirectoryNotFoundException("the repository's configs folder");
    }
}
