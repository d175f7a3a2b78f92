using System.Globalization;
using VaeToolkit.Configuration;

namespace VaeToolkit.Data;

/// <summary>
/// The preprocessing of Liang et al. (2018), as in their notebook: drop duplicate user-item pairs, keep
/// users with at least <c>min_items_per_user</c> items, shuffle the users, hold out the last
/// <c>heldout_users</c> of the shuffle as test users and the ones before them as validation users, keep
/// only the training users' items, and split each held-out user's items into fold-in and targets.
/// </summary>
/// <remarks>
/// Determinism: users are first put in id order (<see cref="IdComparer"/>), then shuffled with
/// <see cref="Random.Shuffle{T}(T[])"/> on <c>new Random(seed)</c>; the same generator then draws the
/// targets of the validation users and then of the test users, in their shuffled order. Item indices
/// follow the order in which the training users' items first appear in the source.
/// </remarks>
internal static class DatasetSplitter
{
    /// <summary>Held-out users with fewer items than this keep all of them as fold-in, with no targets.</summary>
    public const int MinItemsToSplit = 5;

    public static PreparedDataset Split(InteractionLog log, DataConfig data, int seed, string name, string dataHash)
    {
        if (log.RowsRead == 0)
            throw new DataFormatException(log.Source, 0, "no interactions: the source has no data rows");
        if (log.Count == 0)
            throw new DataFormatException(log.Source, 0,
                $"no interactions left: none of the {log.RowsRead:N0} rows has a rating above data.positive_threshold = {Number(data.PositiveThreshold)}");

        int[][] itemsByUser = DistinctItemsByUser(log);
        int[] kept = Enumerable.Range(0, itemsByUser.Length).Where(u => itemsByUser[u].Length >= data.MinItemsPerUser).ToArray();
        if (kept.Length == 0)
            throw new DataFormatException(log.Source, 0,
                $"no users left: no user has at least data.min_items_per_user = {data.MinItemsPerUser} distinct positive items (the most any user has is {itemsByUser.Max(row => row.Length)})");

        int heldOut = data.HeldoutUsers ?? Math.Clamp(kept.Length / 10, 1, DataConfig.MaxAutomaticHeldoutUsers);
        if (kept.Length <= 2 * heldOut)
        {
            int largest = (kept.Length - 1) / 2;
            string hint = largest >= 1 ? $"; set data.heldout_users to at most {largest}" : "; there are too few users for a held-out split";
            throw new DataFormatException(log.Source, 0,
                $"{kept.Length} users are left after filtering, but data.heldout_users = {heldOut} needs more than {2 * heldOut} " +
                $"({heldOut} validation and {heldOut} test users plus at least one training user){hint}");
        }

        Array.Sort(kept, (a, b) => IdComparer.Instance.Compare(log.UserIds[a], log.UserIds[b]));
        var random = new Random(seed);
        random.Shuffle(kept);
        int[] trainUsers = kept[..^(2 * heldOut)];
        int[] validationUsers = kept[^(2 * heldOut)..^heldOut];
        int[] testUsers = kept[^heldOut..];

        int[] itemIndex = IndexTrainingItems(log, trainUsers, out string[] itemIds);
        var train = new CsrBuilder();
        foreach (int user in trainUsers) train.AddRow(Map(itemsByUser[user], itemIndex));
        return new PreparedDataset
        {
            Name = name,
            ItemIds = itemIds,
            TrainUserIds = Ids(log, trainUsers),
            Train = train.Build(itemIds.Length),
            Validation = HoldOut(log, validationUsers, itemsByUser, itemIndex, itemIds.Length, data.TargetFraction, random),
            Test = HoldOut(log, testUsers, itemsByUser, itemIndex, itemIds.Length, data.TargetFraction, random),
            DataHash = dataHash,
        };
    }

    /// <summary>Each user's items, sorted and without duplicates.</summary>
    private static int[][] DistinctItemsByUser(InteractionLog log)
    {
        ReadOnlySpan<int> users = log.Users;
        ReadOnlySpan<int> items = log.Items;
        var counts = new int[log.UserIds.Count];
        foreach (int user in users) counts[user]++;
        var lists = Array.ConvertAll(counts, count => new int[count]);
        Array.Clear(counts);
        for (int k = 0; k < users.Length; k++) lists[users[k]][counts[users[k]]++] = items[k];

        for (int u = 0; u < lists.Length; u++)
        {
            int[] row = lists[u];
            Array.Sort(row);
            int distinct = 0;
            for (int i = 0; i < row.Length; i++)
                if (distinct == 0 || row[i] != row[distinct - 1]) row[distinct++] = row[i];
            if (distinct < row.Length) lists[u] = row[..distinct];
        }
        return lists;
    }

    /// <summary>Numbers the training users' items in order of first appearance; other items map to -1.</summary>
    private static int[] IndexTrainingItems(InteractionLog log, int[] trainUsers, out string[] itemIds)
    {
        var isTrain = new bool[log.UserIds.Count];
        foreach (int user in trainUsers) isTrain[user] = true;
        var itemIndex = new int[log.ItemIds.Count];
        Array.Fill(itemIndex, -1);
        var ids = new List<string>();
        ReadOnlySpan<int> users = log.Users;
        ReadOnlySpan<int> items = log.Items;
        for (int k = 0; k < users.Length; k++)
        {
            if (!isTrain[users[k]] || itemIndex[items[k]] >= 0) continue;
            itemIndex[items[k]] = ids.Count;
            ids.Add(log.ItemIds[items[k]]);
        }
        itemIds = ids.ToArray();
        return itemIndex;
    }

    private static HeldOutUsers HoldOut(InteractionLog log, int[] users, int[][] itemsByUser, int[] itemIndex, int itemCount, double targetFraction, Random random)
    {
        var foldIn = new CsrBuilder();
        var targets = new CsrBuilder();
        foreach (int user in users)
        {
            // Only items the model knows (the training users' items) can be input or target.
            int[] items = Map(itemsByUser[user], itemIndex);
            int targetCount = items.Length >= MinItemsToSplit ? (int)(targetFraction * items.Length) : 0;
            for (int i = 0; i < targetCount; i++)
            {
                int j = random.Next(i, items.Length);
                (items[i], items[j]) = (items[j], items[i]);
            }
            targets.AddRow(items[..targetCount]);
            foldIn.AddRow(items[targetCount..]);
        }
        return new HeldOutUsers(Ids(log, users), foldIn.Build(itemCount), targets.Build(itemCount));
    }

    /// <summary>The mapped indices of <paramref name="rawItems"/>, leaving out unmapped ones.</summary>
    private static int[] Map(int[] rawItems, int[] itemIndex)
    {
        var mapped = new List<int>(rawItems.Length);
        foreach (int raw in rawItems)
            if (itemIndex[raw] >= 0) mapped.Add(itemIndex[raw]);
        return mapped.ToArray();
    }

    private static string[] Ids(InteractionLog log, int[] users) => Array.ConvertAll(users, u => log.UserIds[u]);

    private static string Number(double? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "null";

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
