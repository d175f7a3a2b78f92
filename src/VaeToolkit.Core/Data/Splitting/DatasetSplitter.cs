using System.Runtime.CompilerServices;

namespace VaeToolkit.Data.Splitting;

/// <summary>
/// The preprocessing of Liang et al. (2018), as in their notebook: drop duplicate user-item pairs, keep
/// users with at least <c>min_items_per_user</c> items, shuffle the users, hold out the last
/// <c>heldout_users</c> of the shuffle as test users and the ones before them as validation users, keep
/// only the training users' items, and split each held-out user's items into fold-in and targets:
/// a seeded random <c>target_fraction</c> of them, or (<c>target_split: latest</c>) the latest ones.
/// </summary>
/// <remarks>
/// Determinism: users are first put in id order (<see cref="IdOrder"/>), then shuffled with
/// <see cref="Random.Shuffle{T}(T[])"/> on <c>new Random(seed)</c>; the same generator then draws the
/// targets of the validation users and then of the test users, in their shuffled order, each draw a
/// partial Fisher-Yates shuffle of the user's items in item index order. Item indices follow the order
/// in which the training users' items first appear in the source. With latest targets, a pair seen
/// twice takes its latest time, and equal times are ordered by item index. The per-user work
/// (deduplicating, mapping, sorting) runs on every core; the result does not depend on it.
/// </remarks>
internal static class DatasetSplitter
{
    /// <summary>Held-out users with fewer items than this keep all of them as fold-in, with no targets.</summary>
    public const int MinItemsToSplit = 5;

    public static PreparedDataset Split(InteractionTable table, SplitSettings settings, string name, string dataHash)
    {
        if (table.RowsRead == 0)
            throw new DataFormatException(table.Source, 0, "no interactions: the source has no data rows");
        if (table.Count == 0)
            throw new DataFormatException(table.Source, 0, $"no interactions left: none of the {table.RowsRead:N0} rows has {settings.FilterText}");
        if (settings.LatestTargets && table.Times is null)
            throw new InvalidOperationException("latest targets need the interaction times");

        var byUser = UserRows.Build(table);
        int[] kept = Enumerable.Range(0, table.UserIds.Length).Where(u => byUser.Length(u) >= settings.MinItemsPerUser).ToArray();
        if (kept.Length == 0)
        {
            int most = Enumerable.Range(0, table.UserIds.Length).Max(byUser.Length);
            throw new DataFormatException(table.Source, 0,
                $"no users left: no user has at least data.min_items_per_user = {settings.MinItemsPerUser} distinct positive items (the most any user has is {most})");
        }

        int heldOut = settings.HeldoutUsers ?? Math.Clamp(kept.Length / 10, 1, settings.MaxAutomaticHeldoutUsers);
        if (kept.Length <= 2 * heldOut)
        {
            int largest = (kept.Length - 1) / 2;
            string hint = largest >= 1 ? $"; set data.heldout_users to at most {largest}" : "; there are too few users for a held-out split";
            throw new DataFormatException(table.Source, 0,
                $"{kept.Length} users are left after filtering, but data.heldout_users = {heldOut} needs more than {2 * heldOut} " +
                $"({heldOut} validation and {heldOut} test users plus at least one training user){hint}");
        }

        IdOrder.Sort(kept, table.UserIds);
        var random = new Random(settings.Seed);
        random.Shuffle(kept);
        int[] trainUsers = kept[..^(2 * heldOut)];
        int[] validationUsers = kept[^(2 * heldOut)..^heldOut];
        int[] testUsers = kept[^heldOut..];

        int[] itemIndex = IndexTrainingItems(table, trainUsers, out string[] itemIds);
        return new PreparedDataset
        {
            Name = name,
            ItemIds = itemIds,
            TrainUserIds = Ids(table, trainUsers),
            Train = TrainingRows(byUser, trainUsers, itemIndex, itemIds.Length),
            Validation = HoldOut(table, byUser, validationUsers, itemIndex, itemIds.Length, settings, random),
            Test = HoldOut(table, byUser, testUsers, itemIndex, itemIds.Length, settings, random),
            DataHash = dataHash,
        };
    }

    /// <summary>Numbers the training users' items in order of first appearance; other items map to -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] IndexTrainingItems(InteractionTable table, int[] trainUsers, out string[] itemIds)
    {
        var isTrain = new bool[table.UserIds.Length];
        foreach (int user in trainUsers) isTrain[user] = true;
        var itemIndex = new int[table.ItemIds.Length];
        Array.Fill(itemIndex, -1);
        var ids = new List<string>();
        int[] users = table.Users;
        int[] items = table.Items;
        for (int k = 0; k < users.Length; k++)
        {
            if (!isTrain[users[k]] || itemIndex[items[k]] >= 0) continue;
            itemIndex[items[k]] = ids.Count;
            ids.Add(table.ItemIds[items[k]]);
        }
        itemIds = ids.ToArray();
        return itemIndex;
    }

    /// <summary>The training users' rows, mapped to item indices and sorted; rows are filled in parallel.</summary>
    private static CsrMatrix TrainingRows(UserRows byUser, int[] trainUsers, int[] itemIndex, int itemCount)
    {
        var offsets = new long[trainUsers.Length + 1];
        for (int r = 0; r < trainUsers.Length; r++) offsets[r + 1] = offsets[r] + byUser.Length(trainUsers[r]);
        var indices = new int[offsets[^1]];
        Parallel.For(0, trainUsers.Length, r =>
        {
            Span<int> row = indices.AsSpan((int)offsets[r], (int)(offsets[r + 1] - offsets[r]));
            ReadOnlySpan<int> raw = byUser.Items(trainUsers[r]);
            for (int i = 0; i < raw.Length; i++) row[i] = itemIndex[raw[i]];
            row.Sort();
        });
        return new CsrMatrix(itemCount, offsets, indices);
    }

    private static HeldOutUsers HoldOut(InteractionTable table, UserRows byUser, int[] users, int[] itemIndex, int itemCount, SplitSettings settings, Random random)
    {
        var foldIn = new CsrBuilder();
        var targets = new CsrBuilder();
        var items = new List<int>();
        var times = new List<long>();
        foreach (int user in users)
        {
            // Only items the model knows (the training users' items) can be input or target.
            items.Clear();
            times.Clear();
            ReadOnlySpan<int> raw = byUser.Items(user);
            ReadOnlySpan<long> rawTimes = settings.LatestTargets ? byUser.Times(user) : default;
            for (int i = 0; i < raw.Length; i++)
            {
                if (itemIndex[raw[i]] < 0) continue;
                items.Add(itemIndex[raw[i]]);
                if (settings.LatestTargets) times.Add(rawTimes[i]);
            }
            int[] row = items.ToArray();
            int targetCount = row.Length >= MinItemsToSplit ? (int)(settings.TargetFraction * row.Length) : 0;
            if (settings.LatestTargets)
            {
                // Oldest first (equal times by item index), so the targets are the last targetCount items.
                var byTime = new (long Time, int Item)[row.Length];
                for (int i = 0; i < row.Length; i++) byTime[i] = (times[i], row[i]);
                Array.Sort(byTime);
                int[] ordered = Array.ConvertAll(byTime, pair => pair.Item);
                foldIn.AddRow(ordered[..^targetCount]);
                targets.AddRow(ordered[^targetCount..]);
                continue;
            }
            Array.Sort(row);
            for (int i = 0; i < targetCount; i++)
            {
                int j = random.Next(i, row.Length);
                (row[i], row[j]) = (row[j], row[i]);
            }
            targets.AddRow(row[..targetCount]);
            foldIn.AddRow(row[targetCount..]);
        }
        return new HeldOutUsers(Ids(table, users), foldIn.Build(itemCount), targets.Build(itemCount));
    }

    private static string[] Ids(InteractionTable table, int[] users) => Array.ConvertAll(users, u => table.UserIds[u]);

    /// <summary>Appends rows to a CSR matrix; each row is sorted on the way in.</summary>
    private sealed class CsrBuilder
    {
        private readonly List<long> _offsets = [0];
        private readonly List<int> _indices = [];

        public void AddRow(int[] row)
        {
            Array.Sort(row);
            _indices.AddRange(row);
            _offsets.Add(_indices.Count);
        }

        public CsrMatrix Build(int columnCount) => new(columnCount, _offsets.ToArray(), _indices.ToArray());
    }
}
