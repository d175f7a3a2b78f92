using VaeToolkit.Data;

namespace VaeToolkit.Tests.Data;

/// <summary>Checks a prepared data set against an independent reading of its source: the paper's protocol, pair by pair.</summary>
internal static class ProtocolCheck
{
    /// <param name="positives">Each source user's positive items, by original id.</param>
    public static void AssertFollows(PreparedDataset dataset, Dictionary<string, HashSet<string>> positives, int minItemsPerUser, int heldoutUsers,
        double targetFraction = 0.2)
    {
        SplitInvariants.AssertHold(dataset, heldoutUsers, targetFraction);

        // Users with enough positives are kept, and only they.
        var kept = positives.Where(p => p.Value.Count >= minItemsPerUser).Select(p => p.Key).ToHashSet();
        Assert.Equal(kept, DataFixtures.AllUserIds(dataset).ToHashSet());

        // The items are the training users' positives, and training rows are exactly those positives.
        var trainItems = dataset.TrainUserIds.SelectMany(user => positives[user]).ToHashSet();
        Assert.Equal(trainItems, dataset.ItemIds.ToHashSet());
        for (int u = 0; u < dataset.TrainUserIds.Length; u++)
            Assert.Equal(positives[dataset.TrainUserIds[u]], Ids(dataset, dataset.Train.Row(u)));

        // Held-out users keep their positives among the training items, split between fold-in and targets.
        foreach (HeldOutUsers heldOut in new[] { dataset.Validation, dataset.Test })
            for (int u = 0; u < heldOut.Count; u++)
            {
                var expected = positives[heldOut.UserIds[u]].Where(trainItems.Contains).ToHashSet();
                Assert.Equal(expected, Ids(dataset, heldOut.FoldIn.Row(u)).Union(Ids(dataset, heldOut.Targets.Row(u))).ToHashSet());
            }
    }

    /// <summary>The held-out count that <c>heldout_users: null</c> gives: a tenth of the kept users, at least one.</summary>
    public static int AutomaticHeldout(Dictionary<string, HashSet<string>> positives, int minItemsPerUser, int cap = 10000) =>
        Math.Clamp(positives.Count(p => p.Value.Count >= minItemsPerUser) / 10, 1, cap);

    /// <summary>Every held-out user's targets are later than every one of their fold-in items.</summary>
    public static void AssertTargetsAreLatest(PreparedDataset dataset, Dictionary<(string User, string Item), long> times)
    {
        int split = 0;
        foreach (HeldOutUsers heldOut in new[] { dataset.Validation, dataset.Test })
            for (int u = 0; u < heldOut.Count; u++)
            {
                string user = heldOut.UserIds[u];
                long[] foldIn = Ids(dataset, heldOut.FoldIn.Row(u)).Select(item => times[(user, item)]).ToArray();
                long[] targets = Ids(dataset, heldOut.Targets.Row(u)).Select(item => times[(user, item)]).ToArray();
                if (foldIn.Length == 0 || targets.Length == 0) continue;
                Assert.True(foldIn.Max() < targets.Min(), $"user {user} has a target older than a fold-in item");
                split++;
            }
        Assert.True(split > 0, "no held-out user had both fold-in items and targets");
    }

    public static HashSet<string> Ids(PreparedDataset dataset, ReadOnlySpan<int> items)
    {
        var ids = new HashSet<string>();
        foreach (int item in items) ids.Add(dataset.ItemIds[item]);
        return ids;
    }
}
