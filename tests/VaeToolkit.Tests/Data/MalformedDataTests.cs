using VaeToolkit.Configuration;
using VaeToolkit.Data;

namespace VaeToolkit.Tests.Data;

public sealed class MalformedDataTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData("userId,movieId,rating\n1,10,4\n1,20,4\n1,30,lots\n", 4, "rating 'lots' in column 'rating' is not a number")]
    [InlineData("userId,movieId,rating\r\n1,10,4\r\n\r\n1,20\r\n", 4, "column 'rating' is missing (the line has 2 columns)")]
    [InlineData("userId,movieId,rating\n1,10,4\n,20,4\n", 3, "the user id in column 'userId' is empty")]
    [InlineData("userId,movieId,rating\n1,\"10,4\n", 2, "a quoted field is not closed")]
    [InlineData("user,movieId,rating\n1,10,4\n", 1, "the header has no column 'userId' (columns: user, movieId, rating)")]
    [InlineData("userId,movieId,rating\n1,10,NaN\n", 2, "rating 'NaN' in column 'rating' is not a number")]
    public void MalformedLine_NamesFileLineAndProblem(string contents, int line, string reason)
    {
        string path = DataFixtures.Write(_scratch.Path, "ratings.csv", contents);
        var config = DataFixtures.SmallConfig(new DataConfig { Dataset = KnownDatasets.File, Path = path });

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(config));

        Assert.Equal(path, error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(reason, error.Reason);
        Assert.Equal($"{path}({line}): {reason}", error.Message);
    }

    [Fact]
    public void MalformedItemNamesFile_NamesItsLine()
    {
        DataFixtures.Write(_scratch.Path, "ml-latest-small/ratings.csv", DataFixtures.MovieLensRatings);
        string movies = DataFixtures.Write(_scratch.Path, "ml-latest-small/movies.csv", "movieId,title\n10,Fine\n20\n");
        var config = DataFixtures.SmallConfig(new DataConfig { Dataset = KnownDatasets.MovieLensLatestSmall, DataDir = _scratch.Path });

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(config, DataFixtures.NoDownload(_scratch.Path)));

        Assert.Equal(movies, error.File);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void MissingFile_IsFileNotFoundNamingThePath()
    {
        string path = Path.Combine(_scratch.Path, "nowhere", "ratings.csv");
        var config = DataFixtures.SmallConfig(new DataConfig { Dataset = KnownDatasets.File, Path = path });

        var error = Assert.Throws<FileNotFoundException>(() => DataFixtures.Load(config));

        Assert.Equal(path, error.FileName);
        Assert.Contains(path, error.Message);
    }

    [Theory]
    [InlineData("", "the file is empty: no header line")]
    [InlineData("\r\n  \n", "the file is empty: no header line")]
    [InlineData("userId,movieId,rating\n\n", "no interactions: the source has no data rows")]
    public void FileWithoutRows_SaysSo(string contents, string reason)
    {
        string path = DataFixtures.Write(_scratch.Path, "ratings.csv", contents);
        var config = DataFixtures.SmallConfig(new DataConfig { Dataset = KnownDatasets.File, Path = path });

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(config));

        Assert.Equal($"{path}: {reason}", error.Message);
    }

    [Fact]
    public void ThresholdThatRemovesEverything_NamesTheThreshold()
    {
        string path = DataFixtures.Write(_scratch.Path, "ratings.csv", DataFixtures.MovieLensRatings);
        var config = DataFixtures.SmallConfig(new DataConfig { Dataset = KnownDatasets.File, Path = path, PositiveThreshold = 5 });

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(config));

        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains("none of the 23 rows has a rating above data.positive_threshold = 5", error.Message);
    }

    [Fact]
    public void MinItemsThatRemovesEveryUser_NamesTheFilter()
    {
        string path = DataFixtures.Write(_scratch.Path, "ratings.csv", DataFixtures.MovieLensRatings);
        var config = new VaeConfig { Data = new DataConfig { Dataset = KnownDatasets.File, Path = path, HeldoutUsers = 1, MinItemsPerUser = 5 } };

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(config));

        Assert.StartsWith(path + ": ", error.Message);
        // User 1 likes four distinct items: the duplicate row of item 10 does not count twice.
        Assert.Contains("no user has at least data.min_items_per_user = 5 distinct positive items (the most any user has is 4)", error.Message);
    }

    [Fact]
    public void TooFewUsersForTheHeldOutSplit_GivesCountsAndALargestWorkingValue()
    {
        string path = DataFixtures.Write(_scratch.Path, "ratings.csv", DataFixtures.MovieLensRatings);
        var config = new VaeConfig { Data = new DataConfig { Dataset = KnownDatasets.File, Path = path, HeldoutUsers = 3, MinItemsPerUser = 1 } };

        var error = Assert.Throws<DataFormatException>(() => DataFixtures.Load(config));

        Assert.Contains("5 users are left after filtering, but data.heldout_users = 3 needs more than 6", error.Message);
        Assert.Contains("set data.heldout_users to at most 2", error.Message);
        // And that value does work.
        var fixedConfig = config with { Data = config.Data with { HeldoutUsers = 2 } };
        Assert.Single(DataFixtures.Load(fixedConfig).TrainUserIds);
    }
}
