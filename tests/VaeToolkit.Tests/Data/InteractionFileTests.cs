using VaeToolkit.Configuration;
using VaeToolkit.Data;

namespace VaeToolkit.Tests.Data;

public sealed class InteractionFileTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void MovieLensLayout_KeepsDistinctPositivesAndNamesFromMoviesCsv()
    {
        DataFixtures.Write(_scratch.Path, "ml-latest-small/ratings.csv", DataFixtures.MovieLensRatings);
        DataFixtures.Write(_scratch.Path, "ml-latest-small/movies.csv", DataFixtures.MovieLensMovies);
        var config = DataFixtures.SmallConfig(new DataConfig { Dataset = KnownDatasets.MovieLensLatestSmall, DataDir = _scratch.Path });

        var dataset = DataFixtures.Load(config, DataFixtures.NoDownload(_scratch.Path));

        Assert.Equal("ml-latest-small", dataset.Name);
        Assert.Equal(DataFixtures.MovieLensPositives, DataFixtures.Pairs(dataset));
        Assert.Equal(["10", "20", "30", "40"], dataset.ItemIds.Order());
        Assert.NotNull(dataset.ItemNames);
        string Name(string id) => dataset.ItemNames[Array.IndexOf(dataset.ItemIds, id)];
        Assert.Equal("American President, The (1995)", Name("10"));
        Assert.Equal("Quote \"Test\", A (2000)", Name("20"));
        Assert.Equal("Heat (1995)", Name("30"));
        Assert.Equal("40", Name("40"));
    }

    [Fact]
    public void ItemIndices_FollowFirstAppearanceAmongTrainingUsers()
    {
        // Every user likes the same items, listed in the same (unsorted) order.
        string ratings = "u,i,r\n" + string.Concat(
            from user in Enumerable.Range(1, 6) from item in new[] { "c", "a", "b" } select $"{user},{item},1\n");
        string path = DataFixtures.Write(_scratch.Path, "same.csv", ratings);
        var config = DataFixtures.SmallConfig(new DataConfig
        {
            Dataset = KnownDatasets.File, Path = path, UserColumn = "u", ItemColumn = "i", RatingColumn = "r", PositiveThreshold = 0,
        });

        Assert.Equal(["c", "a", "b"], DataFixtures.Load(config).ItemIds);
    }

    [Fact]
    public void DelimitedFileWithHeader_FindsColumnsByName()
    {
        string path = DataFixtures.Write(_scratch.Path, "likes.csv",
            "stars;item;extra;user\n" +
            "5;x;-;alice\n5;y;-;alice\n1;z;-;alice\n" +
            "4;x;-;bob\n4;y;-;bob\n" +
            "3;x;-;carol\n4;y;-;carol\n" +
            "5;x;-;dave\n5;y;-;dave\n");
        var config = DataFixtures.SmallConfig(new DataConfig
        {
            Dataset = KnownDatasets.File, Path = path, Delimiter = ";", UserColumn = "user", ItemColumn = "item", RatingColumn = "stars",
            PositiveThreshold = 3,
        });

        var dataset = DataFixtures.Load(config);

        Assert.Equal("likes.csv", dataset.Name);
        Assert.Null(dataset.ItemNames);
        var expected = new HashSet<(string, string)> { ("alice", "x"), ("alice", "y"), ("bob", "x"), ("bob", "y"), ("carol", "y"), ("dave", "x"), ("dave", "y") };
        Assert.Equal(expected, DataFixtures.Pairs(dataset));
    }

    [Fact]
    public void TabFileWithoutHeaderOrRatings_UsesColumnIndicesAndKeepsEveryRow()
    {
        // Columns: item, timestamp, user. No rating column, so the threshold does not apply.
        string path = DataFixtures.Write(_scratch.Path, "plays.tsv",
            "song-1\t10\tann\nsong-2\t11\tann\n" +
            "song-1\t12\tben\nsong-2\t13\tben\n" +
            "song-1\t14\tcat\nsong-2\t15\tcat\n\n" +
            "song-1\t16\tdan\r\nsong-2\t17\tdan\r\n");
        var config = DataFixtures.SmallConfig(new DataConfig
        {
            Dataset = KnownDatasets.File, Path = path, Delimiter = "\t", Header = false, UserColumn = "2", ItemColumn = "0", RatingColumn = null,
            PositiveThreshold = 3.5, ItemNames = DataFixtures.Write(_scratch.Path, "songs.tsv", "id\ttitle\nsong-1\tFirst, \"live\"\nsong-2\t\"Second\tTake\"\n"),
        });

        var dataset = DataFixtures.Load(config);

        var expected = from user in new[] { "ann", "ben", "cat", "dan" } from item in new[] { "song-1", "song-2" } select (user, item);
        Assert.Equal(expected.ToHashSet(), DataFixtures.Pairs(dataset));
        Assert.Equal(["First, \"live\"", "Second\tTake"], dataset.ItemIds.Select(id => dataset.ItemNames![Array.IndexOf(dataset.ItemIds, id)]).Order());
    }

    [Fact]
    public void ColumnIndexThatIsNotANumber_IsAConfigError()
    {
        string path = DataFixtures.Write(_scratch.Path, "plays.tsv", "a\tb\n");
        var config = DataFixtures.SmallConfig(new DataConfig
        {
            Dataset = KnownDatasets.File, Path = path, Delimiter = "\t", Header = false, UserColumn = "user", ItemColumn = "1",
        });

        var error = Assert.Throws<ConfigException>(() => DataFixtures.Load(config));
        Assert.Contains("'data.user_column' must be a 0-based column index", error.Message);
    }
}
