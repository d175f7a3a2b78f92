using System.Globalization;
using VaeToolkit.Configuration;

namespace VaeToolkit.Data.Synthetic;

/// <summary>
/// A seeded synthetic interaction log with structure that a model can learn and a popularity ranking
/// cannot. Item popularity follows a Zipf law over a random ranking of the items. Items are dealt into
/// equal taste groups; each user has one or two of them. Each of a user's interactions comes, with
/// probability <see cref="SyntheticDataConfig.TasteStrength"/>, from one of the user's groups
/// (popularity-weighted within it), otherwise from global popularity. The same settings and seed give
/// the same interactions.
/// </summary>
public sealed class SyntheticInteractions
{
    private const int MinItemsPerUser = 5;

    private SyntheticInteractions(int[] itemTastes, int[][] userTastes, int[] users, int[] items)
    {
        ItemTastes = itemTastes;
        UserTastes = userTastes;
        Users = users;
        Items = items;
    }

    public int UserCount => UserTastes.Length;

    public int ItemCount => ItemTastes.Length;

    /// <summary>The taste group of each item.</summary>
    public int[] ItemTastes { get; }

    /// <summary>The one or two taste groups of each user.</summary>
    public int[][] UserTastes { get; }

    /// <summary>The user of each interaction; interactions are grouped by user, each item once per user.</summary>
    public int[] Users { get; }

    /// <summary>The item of each interaction.</summary>
    public int[] Items { get; }

    public static string UserId(int user) => user.ToString(CultureInfo.InvariantCulture);

    public static string ItemId(int item) => item.ToString(CultureInfo.InvariantCulture);

    /// <summary>A display name that shows the item's taste group, handy when reading recommendations.</summary>
    public string ItemName(int item) => $"Item {item} (taste {ItemTastes[item]})";

    public static SyntheticInteractions Generate(SyntheticDataConfig settings, int seed)
    {
        var random = new Random(seed);
        int itemCount = settings.Items;
        int tasteCount = Math.Min(settings.Tastes, itemCount);

        // Popularity by a random rank, so that neither popularity nor taste follows the item index.
        int[] byRank = Permutation(random, itemCount);
        var popularity = new double[itemCount];
        for (int rank = 0; rank < itemCount; rank++)
            popularity[byRank[rank]] = Math.Pow(rank + 1, -settings.PopularityExponent);

        // Deal items into groups in another random order: equal sizes, each a mix of popular and rare items.
        int[] dealt = Permutation(random, itemCount);
        var itemTastes = new int[itemCount];
        for (int k = 0; k < itemCount; k++) itemTastes[dealt[k]] = k % tasteCount;

        var global = new WeightedSampler(Enumerable.Range(0, itemCount).ToArray(), popularity);
        var groups = new WeightedSampler[tasteCount];
        for (int g = 0; g < tasteCount; g++)
        {
            int[] members = Enumerable.Range(0, itemCount).Where(i => itemTastes[i] == g).ToArray();
            groups[g] = new WeightedSampler(members, popularity);
        }

        // A user's count is 5 plus an exponential spread, so the mean is about mean_items_per_user;
        // at most half the items, so that drawing distinct items stays quick.
        int maxPerUser = Math.Max(MinItemsPerUser, itemCount / 2);
        double spread = settings.MeanItemsPerUser - MinItemsPerUser;
        var userTastes = new int[settings.Users][];
        var users = new List<int>();
        var items = new List<int>();
        var chosenBy = new int[itemCount];
        Array.Fill(chosenBy, -1);
        for (int u = 0; u < settings.Users; u++)
        {
            int first = random.Next(tasteCount);
            int second = tasteCount > 1 && random.NextDouble() < 0.5 ? (first + 1 + random.Next(tasteCount - 1)) % tasteCount : -1;
            userTastes[u] = second < 0 ? [first] : [first, second];

            int wanted = Math.Min(maxPerUser, MinItemsPerUser + (int)Math.Round(-Math.Log(1 - random.NextDouble()) * spread));
            for (int count = 0; count < wanted; count++)
            {
                // Choose the source first and redraw from it on a repeat, so that the share of taste
                // interactions is taste_strength. A group can run out of new items: then draw globally.
                bool fromTaste = random.NextDouble() < settings.TasteStrength;
                int item;
                int attempts = 0;
                do
                {
                    item = fromTaste && attempts++ < 100
                        ? groups[userTastes[u][random.Next(userTastes[u].Length)]].Sample(random)
                        : global.Sample(random);
                }
                while (chosenBy[item] == u);
                chosenBy[item] = u;
                users.Add(u);
                items.Add(item);
            }
        }
        return new SyntheticInteractions(itemTastes, userTastes, users.ToArray(), items.ToArray());
    }

    private static int[] Permutation(Random random, int count)
    {
        int[] values = Enumerable.Range(0, count).ToArray();
        random.Shuffle(values);
        return values;
    }

    /// <summary>Draws one of a set of items with probability proportional to its weight.</summary>
    private sealed class WeightedSampler
    {
        private readonly int[] _items;
        private readonly double[] _cumulative;

        public WeightedSampler(int[] items, double[] weights)
        {
            _items = items;
            _cumulative = new double[items.Length];
            double total = 0;
            for (int i = 0; i < items.Length; i++) _cumulative[i] = total += weights[items[i]];
        }

        public int Sample(Random random)
        {
            double target = random.NextDouble() * _cumulative[^1];
            int index = Array.BinarySearch(_cumulative, target);
            if (index < 0) index = ~index;
            return _items[Math.Min(index, _items.Length - 1)];
        }
    }
}
