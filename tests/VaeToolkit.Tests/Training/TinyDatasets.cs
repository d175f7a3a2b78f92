using VaeToolkit.Data;

namespace VaeToolkit.Tests.Training;

/// <summary>
/// Small hand-made data sets for model and trainer tests: users belong to one of a few groups and mostly
/// pick items of their group, so a model can learn what popularity cannot.
/// </summary>
internal static class TinyDatasets
{
    public static PreparedDataset Grouped(int users = 300, int items = 60, int groups = 3, int heldout = 40, int seed = 1)
    {
        var random = new Random(seed);
        var rows = new List<int[]>();
        for (int u = 0; u < users; u++)
        {
            int group = u % groups;
            int count = random.Next(8, 13);
            var picked = new HashSet<int>();
            while (picked.Count < count)
            {
                bool fromGroup = random.NextDouble() < 0.9;
                int item = fromGroup ? group + groups * random.Next(items / groups) : random.Next(items);
                picked.Add(item);
            }
            rows.Add(picked.ToArray());
        }

        int trainUsers = users - 2 * heldout;
        HeldOutUsers HeldOut(int first)
        {
            var foldIn = new List<int[]>();
            var targets = new List<int[]>();
            for (int u = first; u < first + heldout; u++)
            {
                int[] shuffled = rows[u].OrderBy(_ => random.Next()).ToArray();
                int targetCount = shuffled.Length / 5;
                targets.Add(shuffled[..targetCount]);
                foldIn.Add(shuffled[targetCount..]);
            }
            var ids = Enumerable.Range(first, heldout).Select(u => $"u{u}").ToArray();
            return new HeldOutUsers(ids, CsrMatrix.FromRows(foldIn, items), CsrMatrix.FromRows(targets, items));
        }

        return new PreparedDataset
        {
            Name = "tiny-grouped",
            ItemIds = Enumerable.Range(0, items).Select(i => $"i{i}").ToArray(),
            TrainUserIds = Enumerable.Range(0, trainUsers).Select(u => $"u{u}").ToArray(),
            Train = CsrMatrix.FromRows(rows.Take(trainUsers).ToList(), items),
            Validation = HeldOut(trainUsers),
            Test = HeldOut(trainUsers + heldout),
            DataHash = $"tiny-{seed}",
        };
    }
}
