using VaeToolkit.Configuration;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Data;

/// <summary>The data keys added for the data sets of issue 4: read, written back, validated.</summary>
public sealed class DataConfigKeysTests
{
    [Fact]
    public void NewKeys_AreReadAndWrittenBack()
    {
        const string yaml = """
            data:
              dataset: lastfm
              timestamp_column: ts
              target_split: latest
              min_plays: 3
              artist_key: name
            """;

        var config = ModelRegistry.ConfigLoader.Parse(yaml, "lastfm.yaml");
        var again = ModelRegistry.ConfigLoader.Parse(ConfigWriter.ToYaml(config), "resolved.yaml");

        Assert.Equal(("lastfm", "ts", "latest", 3, "name"), (config.Data.Dataset, config.Data.TimestampColumn, config.Data.TargetSplit, config.Data.MinPlays, config.Data.ArtistKey));
        Assert.Equal(config.Data with { Synthetic = again.Data.Synthetic }, again.Data);
    }

    [Fact]
    public void Defaults_KeepEarlierBehaviour()
    {
        var data = ModelRegistry.ConfigLoader.Defaults.Data;

        Assert.Equal((null, null, 1, "mbid"), (data.TimestampColumn, data.TargetSplit, data.MinPlays, data.ArtistKey));
        Assert.Equal(TargetSplits.Latest, KnownDatasets.DefaultTargetSplit(KnownDatasets.MovieLens20MAlternative));
        Assert.Equal(TargetSplits.Random, KnownDatasets.DefaultTargetSplit(KnownDatasets.MovieLens20M));
        Assert.Equal(10000, KnownDatasets.MaxAutomaticHeldoutUsers(KnownDatasets.Pinterest));
    }

    [Theory]
    [InlineData("data: { target_split: newest }", "'data.target_split' must be one of random, latest, not 'newest'")]
    [InlineData("data: { artist_key: id }", "'data.artist_key' must be one of mbid, name, not 'id'")]
    [InlineData("data: { min_plays: 0 }", "'data.min_plays' must be between 1 and 1000000000, not 0")]
    [InlineData("data: { dataset: movielens }", "'data.dataset' must be one of synthetic, ml-latest-small, ml-20m, ml-20m_alt, ml-1m, ml-100k, netflix, lastfm, pinterest, file")]
    [InlineData("data: { dataset: file, path: x.csv, target_split: latest }", "'data.target_split: latest' needs 'data.timestamp_column' when 'data.dataset' is file")]
    public void BadValues_AreConfigErrors(string yaml, string message)
    {
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse(yaml, "bad.yaml"));

        Assert.Contains(message, error.Message);
    }
}
