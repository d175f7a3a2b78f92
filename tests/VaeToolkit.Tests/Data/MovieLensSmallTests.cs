using System.Globalization;
using VaeToolkit.Configuration;
using VaeToolkit.Data;

namespace VaeToolkit.Tests.Data;

/// <summary>Integration tests on the real ml-latest-small, checked against an independent reading of ratings.csv.</summary>
public sealed class MovieLensSmallTests
{
    private const int HeldoutUsers = 60;

    private static readonly Lazy<Dictionary<string, HashSet<string>>> Positives = new(ReadPositives);

    private static VaeConfig Config(int seed = 98765) => new()
    {
        Seed = seed,
        Data = new DataConfig { Dataset = KnownDatasets.MovieLensLatestSmall, DataDir = Path.GetDirectoryName(TestData.MovieLensSmallDirectory), HeldoutUsers = HeldoutUsers },
    };

    [Fact]
    public void Split_SatisfiesTheInvariants()
    {
        SplitInvariants.AssertHold(DataFixtures.Load(Config()), HeldoutUsers, targetFraction: 0.2);
    }

    [Fact]
    public void UsersItemsAndInteractions_MatchAnIndependentReading()
    {
        var dataset = DataFixtures.Load(Config());
        ProtocolCheck.AssertFollows(dataset, Positives.Value, minItemsPerUser: 5, HeldoutUsers);
        Assert.NotNull(dataset.ItemNames);
        Assert.Equal("Toy Story (1995)", dataset.ItemNames[Array.IndexOf(dataset.ItemIds, "1")]);
    }

    [Fact]
    public void SameSeed_ReproducesTheSplit_AnotherSeedChangesIt()
    {
        var first = DataFixtures.Load(Config());
        var again = DataFixtures.Load(Config());
        var other = DataFixtures.Load(Config(seed: 12345));

        SplitInvariants.AssertIdentical(first, again);
        Assert.NotEqual(first.DataHash, other.DataHash);
        Assert.NotEqual(first.Test.UserIds.Order(), other.Test.UserIds.Order());
        Assert.NotEqual(first.TrainUserIds, other.TrainUserIds);
    }

    private static Dictionary<string, HashSet<string>> ReadPositives()
    {
        var positives = new Dictionary<string, HashSet<string>>();
        foreach (string line in File.ReadLines(Path.Combine(TestData.MovieLensSmallDirectory, "ratings.csv")).Skip(1))
        {
            string[] fields = line.Split(',');
            if (double.Parse(fields[2], CultureInfo.InvariantCulture) <= 3.5) continue;
            if (!positives.TryGetValue(fields[0], out var items)) positives[fields[0]] = items = [];
            items.Add(fields[1]);
        }
        return positives;
    }
}
