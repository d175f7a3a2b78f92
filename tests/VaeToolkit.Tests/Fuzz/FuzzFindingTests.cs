using System.Text;
using Parquet;
using Parquet.Schema;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Tests.Data;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Fuzz;

/// <summary>What the text-input fuzz drill found, one regression test each.</summary>
public sealed class FuzzFindingTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>Found as config seed 1 input 468: YamlDotNet's scanner throws InvalidOperationException, not YamlException.</summary>
    [Fact]
    public void LineBreakInsideAFlowSequence_IsMalformedYaml()
    {
        string path = DataFixtures.Write(_scratch.Path, "broken.yaml", "model:\n  encoder_dims: [600\n 200]\n");

        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Load(path));

        Assert.Equal(ConfigErrorCodes.MalformedYaml, error.Code);
        Assert.StartsWith($"{path}: error VAE0105: malformed YAML", error.Message);
    }

    /// <summary>Found by the drill as config-overrides seed 7 input 8282: the same scanner failure in an override's value.</summary>
    [Fact]
    public void LineBreakInsideAFlowSequence_OfAnOverride_IsABadOverride()
    {
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse("", "config.yaml", ["model.encoder_dims=[\r60, 20]"]));

        Assert.Equal(ConfigErrorCodes.BadOverride, error.Code);
        Assert.StartsWith("config.yaml: error VAE0107: override 'model.encoder_dims=[\r60, 20]' has a malformed value", error.Message);
    }

    /// <summary>Found by the drill as config-overrides seed 8 input 2330: YamlDotNet throws ArgumentException on an alias right after a quoted scalar.</summary>
    [Fact]
    public void AliasAfterAQuotedScalar_IsMalformedYaml_InAFileAndInAnOverride()
    {
        string path = DataFixtures.Write(_scratch.Path, "alias.yaml", "data:\n  delimiter: '\\t'*seed\n");
        var inFile = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Load(path));
        Assert.StartsWith($"{path}: error VAE0105: malformed YAML", inFile.Message);

        var inOverride = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse("", "config.yaml", ["data.delimiter='\\t'*seed=3"]));
        Assert.Equal(ConfigErrorCodes.BadOverride, inOverride.Code);
    }

    /// <summary>
    /// Found as parquet seed 2 input 239 and others: a corrupt page makes Parquet.Net throw index, argument,
    /// Snappy or Thrift errors while reading, which escaped as they were.
    /// </summary>
    [Theory]
    [InlineData("blank lines")]
    [InlineData("flip")]
    public async Task CorruptParquetPages_AreADataFormatErrorNamingTheFile(string corruption)
    {
        string path = _scratch.Combine("likes.parquet");
        await FuzzTarget.WriteParquet(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes = corruption == "blank lines"
            ? Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(bytes).Replace("\n", "\n\n  \n", StringComparison.Ordinal))
            : [.. bytes.Select((b, i) => i is > 4 and < 200 ? (byte)(b ^ 0x5A) : b)];
        File.WriteAllBytes(path, bytes);
        var data = new DataConfig { Dataset = KnownDatasets.File, Path = path, UserColumn = "user", ItemColumn = "item", RatingColumn = "stars" };

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(DataFixtures.SmallConfig(data)));

        Assert.StartsWith($"{path}: not a readable Parquet file: ", error.Message);
    }
}
