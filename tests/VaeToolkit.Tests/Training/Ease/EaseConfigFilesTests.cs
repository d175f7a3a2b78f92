using VaeToolkit.Configuration;
using VaeToolkit.Training.Models;
using VaeToolkit.Training.Models.Ease;

namespace VaeToolkit.Tests.Training.Ease;

public sealed class EaseConfigFilesTests
{
    [Theory]
    [InlineData("ml-latest-small-ease.yaml", "ml-latest-small.yaml", null)]
    [InlineData("ml20m-ease.yaml", "ml20m.yaml", 500.0)]
    [InlineData("netflix-ease.yaml", "netflix.yaml", 1000.0)]
    public void EaseConfig_SharesItsMultVaeConfigsSeedAndData(string file, string multVae, double? lambda)
    {
        var config = ModelRegistry.ConfigLoader.Load(Path.Combine(ConfigFolder(), file));
        var reference = ModelRegistry.ConfigLoader.Load(Path.Combine(ConfigFolder(), multVae));

        Assert.Equal(reference.Seed, config.Seed);
        Assert.Equal(reference.Data, config.Data);
        Assert.Equal(ModelTypes.Ease, config.Model.Type);
        Assert.Equal(lambda, EaseConfig.Of(config).Lambda);
        Assert.Equal(ExportPrecisions.Fp32, config.Export.Precision);
        // Written back and read again, the EASE section survives (the run folder's config.yaml).
        var again = ModelRegistry.ConfigLoader.Parse(ConfigWriter.ToYaml(config), config.SourcePath!);
        Assert.Equal(config.Model, again.Model);
    }

    private static string ConfigFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "VaeToolkit.sln"))) return Path.Combine(folder.FullName, "configs");
        throw new DirectoryNotFoundException("the repository's configs folder");
    }
}
