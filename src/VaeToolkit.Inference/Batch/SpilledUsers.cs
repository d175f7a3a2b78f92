using System.Text;

namespace VaeToolkit.Inference.Batch;

/// <summary>
/// The second pass of a batch job: one spill file of <see cref="UserPartitioner"/> read back and grouped,
/// each user once, in order of first appearance, with their known items sorted and without repeats (a
/// history is a set of items, as in training).
/// </summary>
internal static class SpilledUsers
{
    public static List<(string UserId, int[] Items)> Read(string path, long records)
    {
        var slotById = new Dictionary<string, int>(StringComparer.Ordinal);
        var users = new List<(string UserId, List<int> Items)>();
        using var reader = new BinaryReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20));
        for (long r = 0; r < records; r++)
        {
            string id = Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadInt32()));
            if (!slotById.TryGetValue(id, out int slot))
            {
                slot = users.Count;
                slotById.Add(id, slot);
                users.Add((id, []));
            }
            var items = users[slot].Items;
            for (int count = reader.ReadInt32(); count > 0; count--) items.Add(reader.ReadInt32());
        }
        return users.ConvertAll(user => (user.UserId, Distinct(user.Items)));
    }

    private static int[] Distinct(List<int> items)
    {
        items.Sort();
        int kept = 0;
        for (int i = 0; i < items.Count; i++)
            if (i == 0 || items[i] != items[i - 1]) items[kept++] = items[i];
        return [.. items.GetRange(0, kept)];
    }
}
