using System.Text;
using VaeToolkit.Configuration;
using VaeToolkit.Data.Sources;

namespace VaeToolkit.Tests.Data;

/// <summary>Every data set name, prepared from a fixture in its true format, follows its protocol pair by pair.</summary>
public sealed class NamedDatasetTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();
    private readonly RatingFixture _fixture = new();

    public void Dispose() => _scratch.Dispose();

    public static TheoryData<string> Names =>
    [
        KnownDatasets.MovieLens20M, KnownDatasets.MovieLens20MAlternative, KnownDatasets.MovieLens1M, KnownDatasets.MovieLens100K,
        KnownDatasets.Netflix, KnownDatasets.LastFm, KnownDatasets.Pinterest,
    ];

    [Theory]
    [MemberData(nameof(Names))]
    public void EachDataSet_FollowsItsProtocol_AndTheSeedReproducesTheSplit(string name)
    {
        var (config, positives) = WriteSource(name);

        var dataset = DataFixtures.Load(config);

        Assert.Equal(name, dataset.Name);
        ProtocolCheck.AssertFollows(dataset, positives, minItemsPerUser: 5, ProtocolCheck.AutomaticHeldout(positives, 5));
        SplitInvariants.AssertIdentical(dataset, DataFixtures.Load(config));
        var otherSeed = DataFixtures.Load(config with { Seed = config.Seed + 1 });
        Assert.NotEqual(dataset.TrainUserIds, otherSeed.TrainUserIds);
        Assert.NotEqual(dataset.DataHash, otherSeed.DataHash);
    }

    [Fact]
    public void MovieLens20MAlternative_HoldsOutEachUsersLatestItems()
    {
        var (config, _) = WriteSource(KnownDatasets.MovieLens20MAlternative);

        var alternative = DataFixtures.Load(config);
        var paper = DataFixtures.Load(config with { Data = config.Data with { Dataset = KnownDatasets.MovieLens20M } });

        ProtocolCheck.AssertTargetsAreLatest(alternative, _fixture.Times());
        // Same users and training rows as ml-20m; only the held-out users' split differs.
        Assert.Equal(paper.TrainUserIds, alternative.TrainUserIds);
        Assert.Equal(paper.Test.UserIds, alternative.Test.UserIds);
        Assert.NotEqual(paper.Test.Targets.Indices, alternative.Test.Targets.Indices);
        // And target_split: latest asks for the same split on ml-20m itself.
        var latest = DataFixtures.Load(config with { Data = config.Data with { Dataset = KnownDatasets.MovieLens20M, TargetSplit = TargetSplits.Latest } });
        Assert.Equal(alternative.Test.Targets.Indices, latest.Test.Targets.Indices);
    }

    [Fact]
    public void OlderMovieLensSets_ReadLatin1Titles()
    {
        var (ml1m, _) = WriteSource(KnownDatasets.MovieLens1M);
        var (ml100k, _) = WriteSource(KnownDatasets.MovieLens100K);

        foreach (var config in new[] { ml1m, ml100k })
        {
            var dataset = DataFixtures.Load(config);
            Assert.NotNull(dataset.ItemNames);
            string Name(string id) => dataset.ItemNames[Array.IndexOf(dataset.ItemIds, id)];
            Assert.Equal("Misérables, Les (1995)", Name("1"));
            Assert.Equal("\"Quoted\" Title (1999)", Name("2"));
        }
    }

    [Fact]
    public void Netflix_CombinedDataFiles_GiveTheSameDataAsTheTrainingSetFolder()
    {
        var (perMovie, _) = WriteSource(KnownDatasets.Netflix);
        int[] items = _fixture.Items.ToArray();
        string combined = _scratch.Combine("combined");
        Directory.CreateDirectory(combined);
        File.WriteAllText(Path.Combine(combined, "combined_data_1.txt"), _fixture.Netflix(items[..12]));
        File.WriteAllText(Path.Combine(combined, "combined_data_2.txt"), _fixture.Netflix(items[12..]));

        var fromFolder = DataFixtures.Load(perMovie);
        var fromCombined = DataFixtures.Load(perMovie with { Data = perMovie.Data with { Path = combined, DataDir = null } });

        Assert.Equal(DataFixtures.Pairs(fromFolder), DataFixtures.Pairs(fromCombined));
        Assert.Equal(fromFolder.TrainUserIds, fromCombined.TrainUserIds);
        Assert.Equal("Amélie, or not (2001)", fromFolder.ItemNames![Array.IndexOf(fromFolder.ItemIds, "1")]);
    }

    [Fact]
    public void Netflix_LargeFile_IsCutAtMovieLines_AndHoldsOutUpTo40000Users()
    {
        // 120,000 users who gave each of 12 movies five stars: 29 MB, so the file is read as two segments, the
        // second starting at a movieId: line. A tenth of the users is 12,000, above MovieLens' cap of 10,000.
        string file = _scratch.Combine("netflix", "combined_data_1.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        using (var writer = new StreamWriter(file, false, new UTF8Encoding(false), 1 << 20))
            for (int movie = 1; movie <= 12; movie++)
            {
                writer.Write($"{movie}:\n");
                for (int user = 1; user <= 120_000; user++) writer.Write($"{user},5,2005-01-01\n");
            }
        Assert.True(new FileInfo(file).Length > 16 << 20);
        var config = new VaeConfig { Data = new DataConfig { Dataset = KnownDatasets.Netflix, Path = file } };

        var dataset = DataFixtures.Load(config);

        Assert.Equal(12_000, dataset.Test.Count);
        Assert.Equal(12_000, dataset.Validation.Count);
        Assert.Equal(96_000, dataset.TrainUserIds.Length);
        Assert.Equal(Enumerable.Range(1, 12).Select(RatingFixture.Id), dataset.ItemIds);
        Assert.Equal(96_000L * 12, dataset.Train.NonZeroCount);
    }

    [Fact]
    public void LastFm_KeysArtistsByNameWhenAsked_AndCountsPlays()
    {
        var (config, _) = WriteSource(KnownDatasets.LastFm);
        var byName = config with { Data = config.Data with { ArtistKey = "name", MinPlays = 1 } };

        var dataset = DataFixtures.Load(byName);

        var positives = _fixture.Positives(0, RatingFixture.UserSha1, RatingFixture.ArtistName);
        ProtocolCheck.AssertFollows(dataset, positives, 5, ProtocolCheck.AutomaticHeldout(positives, 5));
        Assert.Contains("\"The\" Artist, No. 3", dataset.ItemIds);
    }

    [Fact]
    public void LatestTargets_OnADataSetWithoutTimes_IsAConfigError()
    {
        var (config, _) = WriteSource(KnownDatasets.LastFm);

        var error = Assert.Throws<ConfigException>(() => DataFixtures.Load(config with { Data = config.Data with { TargetSplit = TargetSplits.Latest } }));

        Assert.Contains("'data.target_split: latest' needs timestamps, and lastfm has none", error.Message);
    }

    [Theory]
    [InlineData(KnownDatasets.Netflix, "training_set/mv_*.txt or combined_data_*.txt")]
    [InlineData(KnownDatasets.LastFm, "usersha1-artmbid-artname-plays.tsv")]
    [InlineData(KnownDatasets.Pinterest, "pinterest-20.train.rating or pinterest-20.test.rating")]
    public void DataSetWithoutDownload_NotFound_NamesTheFilesAndFolders(string name, string expected)
    {
        string dataDir = _scratch.Combine("data");
        var config = new VaeConfig { Data = new DataConfig { Dataset = name, DataDir = dataDir } };
        var source = DataFixtures.NoDownload(_scratch.Path);

        var error = Assert.Throws<DatasetSourceNotFoundException>(() => DataFixtures.Load(config, source));

        Assert.Equal([Path.Combine(dataDir, name), Path.Combine(source.CacheDirectory, name)], error.Folders);
        Assert.Contains($"expected {expected} in one of {Path.Combine(dataDir, name)}, {Path.Combine(source.CacheDirectory, name)}", error.Message);
        Assert.Contains("no public download", error.Message);

        // data.path at a folder without the files names that folder alone.
        Directory.CreateDirectory(_scratch.Combine("empty"));
        var atPath = Assert.Throws<DatasetSourceNotFoundException>(() =>
            DataFixtures.Load(config with { Data = config.Data with { Path = _scratch.Combine("empty") } }, source));
        Assert.Equal([_scratch.Combine("empty")], atPath.Folders);
    }

    /// <summary>Writes the fixture as <paramref name="name"/>'s files under data_dir/name, and gives the config and the expected positives.</summary>
    private (VaeConfig Config, Dictionary<string, HashSet<string>> Positives) WriteSource(string name)
    {
        string folder = _scratch.Combine("data", name == KnownDatasets.MovieLens20MAlternative ? KnownDatasets.MovieLens20M : name);
        Directory.CreateDirectory(folder);
        var data = new DataConfig { Dataset = name, DataDir = _scratch.Combine("data") };
        var positives = _fixture.Positives(3.5);
        switch (name)
        {
            case KnownDatasets.MovieLens20M or KnownDatasets.MovieLens20MAlternative:
                File.WriteAllText(Path.Combine(folder, "ratings.csv"), _fixture.MovieLensCsv());
                break;
            case KnownDatasets.MovieLens1M:
                File.WriteAllText(Path.Combine(folder, "ratings.dat"), _fixture.MovieLens1M());
                File.WriteAllText(Path.Combine(folder, "movies.dat"),
                    "1::Misérables, Les (1995)::Drama\n2::\"Quoted\" Title (1999)::Comedy|Drama\n3::Heat (1995)::Action\n", Encoding.Latin1);
                break;
            case KnownDatasets.MovieLens100K:
                File.WriteAllText(Path.Combine(folder, "u.data"), _fixture.MovieLens100K());
                File.WriteAllText(Path.Combine(folder, "u.item"),
                    "1|Misérables, Les (1995)|01-Jan-1995||http://example.test/1|0|0|1\n2|\"Quoted\" Title (1999)|01-Jan-1999||http://example.test/2|0|1|0\n",
                    Encoding.Latin1);
                break;
            case KnownDatasets.Netflix:
                Directory.CreateDirectory(Path.Combine(folder, "training_set"));
                foreach (int movie in _fixture.Items)
                    File.WriteAllText(Path.Combine(folder, "training_set", $"mv_{movie:0000000}.txt"), _fixture.Netflix([movie]));
                File.WriteAllText(Path.Combine(folder, "movie_titles.txt"), "1,2001,Amélie, or not (2001)\n2,1999,Heat\n", Encoding.Latin1);
                break;
            case KnownDatasets.LastFm:
                File.WriteAllText(Path.Combine(folder, "usersha1-artmbid-artname-plays.tsv"), _fixture.LastFm());
                data = data with { MinPlays = 10 }; // plays are the rating squared: 16 and 25 are the positives
                positives = _fixture.Positives(3.5, RatingFixture.UserSha1, RatingFixture.ArtistKey);
                break;
            case KnownDatasets.Pinterest:
                var (train, test) = _fixture.Pinterest();
                File.WriteAllText(Path.Combine(folder, "pinterest-20.train.rating"), train);
                File.WriteAllText(Path.Combine(folder, "pinterest-20.test.rating"), test);
                positives = _fixture.Positives(0, user => RatingFixture.Id(user - 1), item => RatingFixture.Id(item - 1));
                break;
        }
        return (new VaeConfig { Seed = 11, Data = data }, positives);
    }
}
