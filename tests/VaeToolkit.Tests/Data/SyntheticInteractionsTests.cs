using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Data.Synthetic;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Data;

public sealed class SyntheticInteractionsTests
{
    private static readonly SyntheticDataConfig Small = new() { Users = 1500, Items = 400, Tastes = 8, MeanItemsPerUser = 20 };

    [Fact]
    public void SameSeed_GivesTheSameInteractions_AnotherSeedDifferent()
    {
        var first = SyntheticInteractions.Generate(Small, seed: 3);
        var again = SyntheticInteractions.Generate(Small, seed: 3);
        var other = SyntheticInteractions.Generate(Small, seed: 4);

        Assert.Equal(first.Users, again.Users);
        Assert.Equal(first.Items, again.Items);
        Assert.Equal(first.ItemTastes, again.ItemTastes);
        Assert.NotEqual(first.Items, other.Items);
    }

    [Fact]
    public void Users_HaveOneOrTwoTastesAndAtLeastFiveDistinctItems()
    {
        var synthetic = SyntheticInteractions.Generate(Small, seed: 11);

        Assert.All(synthetic.UserTastes, tastes => Assert.InRange(tastes.Distinct().Count(), 1, 2));
        Assert.Equal(Small.Tastes, synthetic.ItemTastes.Distinct().Count());
        var byUser = synthetic.Users.Zip(synthetic.Items).GroupBy(pair => pair.First).ToList();
        Assert.Equal(Small.Users, byUser.Count);
        Assert.All(byUser, user => Assert.True(user.Count() >= 5 && user.Select(p => p.Second).Distinct().Count() == user.Count()));
        Assert.InRange(synthetic.Users.Length / (double)Small.Users, 0.85 * Small.MeanItemsPerUser, 1.15 * Small.MeanItemsPerUser);
    }

    [Fact]
    public void TasteStrength_IsTheShareOfInteractionsFromTheUsersTastes()
    {
        var settings = Small with { TasteStrength = 0.8 };
        var synthetic = SyntheticInteractions.Generate(settings, seed: 5);

        int inTaste = 0;
        for (int k = 0; k < synthetic.Users.Length; k++)
            if (synthetic.UserTastes[synthetic.Users[k]].Contains(synthetic.ItemTastes[synthetic.Items[k]])) inTaste++;
        // 80% from the tastes, plus the global draws that happen to land in them.
        Assert.InRange(inTaste / (double)synthetic.Users.Length, 0.8, 0.9);
    }

    [Fact]
    public void LoadedSyntheticData_IsDeterministicAndSatisfiesTheSplitInvariants()
    {
        var config = new VaeConfig { Seed = 21, Data = new DataConfig { Synthetic = Small, HeldoutUsers = 150 } };

        var first = DataFixtures.Load(config);
        var again = DataFixtures.Load(config);

        SplitInvariants.AssertHold(first, heldoutUsers: 150, targetFraction: 0.2);
        SplitInvariants.AssertIdentical(first, again);
        Assert.Equal("synthetic", first.Name);
        Assert.Equal(Small.Users, DataFixtures.AllUserIds(first).Length);
        Assert.NotNull(first.ItemNames);
        Assert.StartsWith($"Item {first.ItemIds[0]} (taste ", first.ItemNames[0]);
        Assert.NotEqual(first.TrainUserIds, DataFixtures.Load(config with { Seed = 22 }).TrainUserIds);
    }

    [Fact]
    public void BuiltInDefaults_LoadWithAnAutomaticHeldOutShare()
    {
        // heldout_users: null holds out min(10000, users / 10) users for validation and as many for test.
        var dataset = DatasetLoader.Load(ModelRegistry.ConfigLoader.Defaults, cancellationToken: TestContext.Current.CancellationToken);
        int users = dataset.Train.RowCount + dataset.Validation.Count + dataset.Test.Count;
        Assert.Equal(users / 10, dataset.Validation.Count);
        Assert.Equal(users / 10, dataset.Test.Count);
    }

    [Fact]
    public void AnOracleThatKnowsTheTastes_BeatsPopularity()
    {
        var (oracle, popularity) = Recalls(new DataConfig { Synthetic = Small, HeldoutUsers = 300 });

        Assert.True(oracle > 1.5 * popularity && oracle - popularity > 0.1, $"oracle recall@20 {oracle:F3}, popularity {popularity:F3}");
    }

    [Fact]
    public void WithoutTastes_TheOracleHasNoEdge()
    {
        // The control for the test above: with taste_strength 0 the groups carry no signal.
        var (oracle, popularity) = Recalls(new DataConfig { Synthetic = Small with { TasteStrength = 0 }, HeldoutUsers = 300 });

        Assert.True(oracle < popularity + 0.02, $"oracle recall@20 {oracle:F3}, popularity {popularity:F3}");
    }

    /// <summary>
    /// Mean recall@20 on the test users' targets of two rankings of the items a user has not folded in:
    /// by training popularity, and by popularity within the user's true taste groups first.
    /// </summary>
    private static (double Oracle, double Popularity) Recalls(DataConfig data)
    {
        const int k = 20;
        const int seed = 31;
        var synthetic = SyntheticInteractions.Generate(data.Synthetic, seed);
        var dataset = DataFixtures.Load(new VaeConfig { Seed = seed, Data = data });
        int[] counts = dataset.Train.ColumnCounts();
        int[] itemTaste = Array.ConvertAll(dataset.ItemIds, id => synthetic.ItemTastes[int.Parse(id)]);

        double oracleSum = 0, popularitySum = 0;
        int users = 0;
        HeldOutUsers test = dataset.Test;
        for (int u = 0; u < test.Count; u++)
        {
            var targets = test.Targets.Row(u).ToArray().ToHashSet();
            if (targets.Count == 0) continue;
            var foldIn = test.FoldIn.Row(u).ToArray().ToHashSet();
            int[] tastes = synthetic.UserTastes[int.Parse(test.UserIds[u])];
            var candidates = Enumerable.Range(0, dataset.ItemCount).Where(i => !foldIn.Contains(i)).ToList();

            double Recall(IEnumerable<int> ranking) => ranking.Take(k).Count(targets.Contains) / (double)Math.Min(k, targets.Count);
            popularitySum += Recall(candidates.OrderByDescending(i => counts[i]));
            oracleSum += Recall(candidates.OrderByDescending(i => tastes.Contains(itemTaste[i])).ThenByDescending(i => counts[i]));
            users++;
        }
        return (oracleSum / users, popularitySum / users);
    }
}
