using VaeToolkit.Configuration;
using VaeToolkit.Data;

namespace VaeToolkit.Tests.Data;

public sealed class PreprocessingTests : IDisposable
{
    private readonly TemporaryDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void RatingThreshold_KeepsOnlyRatingsAboveIt()
    {
        string path = DataFixtures.Write(_scratch.Path, "ratings.csv", DataFixtures.MovieLensRatings);
        DataConfig data = new() { Dataset = KnownDatasets.File, Path = path };

        var strict = DataFixtures.Load(DataFixtures.SmallConfig(data with { PositiveThreshold = 4.0 }));
        var everything = DataFixtures.Load(DataFixtures.SmallConfig(data with { PositiveThreshold = null }));

        // Above 4.0: only user 1's 5.0 for item 20 and the 4.5s for item 40; users 4 and 5 have none.
        Assert.Equal(["1", "2", "3"], DataFixtures.AllUserIds(strict).Order());
        var strictPairs = DataFixtures.Pairs(strict);
        Assert.Subset(new HashSet<(string, string)> { ("1", "20"), ("1", "40"), ("2", "40"), ("3", "40") }, strictPairs);
        Assert.Superset(new HashSet<(string, string)> { ("1", "40"), ("2", "40"), ("3", "40") }, strictPairs);
        // With no threshold, item 99 (rated 3.5 and below) and user 4's 2.0 for item 40 count too.
        Assert.Contains("99", everything.ItemIds);
        Assert.Equal(DataFixtures.MovieLensPositives.Count + 4, DataFixtures.Pairs(everything).Count);
    }

    [Fact]
    public void MinItemsPerUser_DropsUsersWithFewerDistinctPositives()
    {
        // Users 1-3 like four items; users 4 and 5 like three (user 1's duplicate row does not count).
        string path = DataFixtures.Write(_scratch.Path, "ratings.csv", DataFixtures.MovieLensRatings);
        DataConfig data = new() { Dataset = KnownDatasets.File, Path = path, HeldoutUsers = 1 };

        var four = DataFixtures.Load(new VaeConfig { Data = data with { MinItemsPerUser = 4 } });
        var three = DataFixtures.Load(new VaeConfig { Data = data with { MinItemsPerUser = 3 } });

        Assert.Equal(["1", "2", "3"], DataFixtures.AllUserIds(four).Order());
        Assert.Equal(["1", "2", "3", "4", "5"], DataFixtures.AllUserIds(three).Order());
    }

    [Fact]
    public void HeldOutUsers_KeepOnlyTrainingItems()
    {
        // Item "rare" is liked only by user 9; wherever user 9 lands, the item exists only if 9 trains.
        string rows = string.Concat(from user in Enumerable.Range(1, 9) from item in new[] { "a", "b", "c" } select $"{user},{item},5\n") + "9,rare,5\n";
        string path = DataFixtures.Write(_scratch.Path, "ratings.csv", "userId,movieId,rating\n" + rows);
        for (int seed = 0; seed < 8; seed++)
        {
            var dataset = DataFixtures.Load(new VaeConfig { Seed = seed, Data = new DataConfig { Dataset = KnownDatasets.File, Path = path, HeldoutUsers = 3, MinItemsPerUser = 1 } });
            bool userNineTrains = dataset.TrainUserIds.Contains("9");
            Assert.Equal(userNineTrains, dataset.ItemIds.Contains("rare"));
            SplitInvariants.AssertHold(dataset, heldoutUsers: 3, targetFraction: 0.2);
        }
    }

    [Fact]
    public void DataHash_ChangesWithSourceAndSettingsButNotOtherwise()
    {
        string path = DataFixtures.Write(_scratch.Path, "ratings.csv", DataFixtures.MovieLensRatings);
        var config = DataFixtures.SmallConfig(new DataConfig { Dataset = KnownDatasets.File, Path = path });
        string hash = DataFixtures.Load(config).DataHash;

        Assert.Matches("^[0-9a-f]{64}$", hash);
        Assert.Equal(hash, DataFixtures.Load(config).DataHash);
        Assert.NotEqual(hash, DataFixtures.Load(config with { Seed = config.Seed + 1 }).DataHash);
        Assert.NotEqual(hash, DataFixtures.Load(config with { Data = config.Data with { TargetFraction = 0.3 } }).DataHash);
        Assert.NotEqual(hash, DataFixtures.Load(config with { Data = config.Data with { PositiveThreshold = 3 } }).DataHash);
        // Settings that do not shape the data (the model's) leave it alone.
        Assert.Equal(hash, DataFixtures.Load(config with { Model = config.Model with { Dropout = 0.1 } }).DataHash);

        File.AppendAllText(path, "5,40,4.0,100\n");
        Assert.NotEqual(hash, DataFixtures.Load(config).DataHash);
    }
}
