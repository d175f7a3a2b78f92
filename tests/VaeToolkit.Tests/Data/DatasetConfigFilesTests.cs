using VaeToolkit.Configuration;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Data;

/// <summary>The data set configs shipped in configs/ load, and name the data set and protocol they say.</summary>
public sealed class DatasetConfigFilesTests
{
    [Theory]
    [InlineData("ml-20m_alt.yaml", KnownDatasets.MovieLens20MAlternative, 10000)]
    [InlineData("netflix.yaml", KnownDatasets.Netflix, 40000)]
    [InlineData("ml-1m.yaml", KnownDatasets.MovieLens1M, 600)]
    [InlineData("lastfm.yaml", KnownDatasets.LastFm, null)]
    [InlineData("pinterest.yaml", KnownDatasets.Pinterest, null)]
    public void ConfigFile_Loads(string file, string dataset, int? heldoutUsers)
    {
        var config = ModelRegistry.ConfigLoader.Load(Path.Combine(ConfigsFolder(), file));

        Assert.Equal(dataset, config.Data.Dataset);
        Assert.Equal(heldoutUsers, config.Data.HeldoutUsers);
        Assert.Null(config.Data.TargetSplit);
    }

    [Fact]
    public void MultiGpuConfig_HasTheReferencesGlobalBatchAndOptimizer()
    {
        var config = ModelRegistry.ConfigLoader.Load(Path.Combine(ConfigsFolder(), "ml20m-8gpu.yaml"));
        var single = ModelRegistry.ConfigLoader.Load(Path.Combine(ConfigsFolder(), "ml20m.yaml"));

        Assert.Equal((8, "fp16"), (config.Gpus, config.Precision));
        Assert.Equal(3072, config.Training.BatchSize / config.Gpus);
        Assert.Equal((0.004, 0.9, 0.9), (config.Training.LearningRate, config.Training.Beta1, config.Training.Beta2));
        Assert.Equal((15000, 0.1), (config.Training.TotalAnnealSteps, config.Training.AnnealCap));
        // Only the training settings and the devices differ from the single-GPU config.
        Assert.Equal(single.Data, config.Data);
        Assert.Equal(single.Model, config.Model);
    }

    private static string ConfigsFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "VaeToolkit.sln"))) return Path.Combine(folder.FullName, "configs");
        throw new DirectoryNotFoundException($"no VaeToolkit.sln in any folder above {AppContext.BaseDirectory}");
    }
}
