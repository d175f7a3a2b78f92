using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace VaeToolkit.Data;

/// <summary>
/// Each user's distinct items, sorted by item index, grouped by a counting sort and deduplicated on
/// every core. With times, a pair seen more than once keeps its latest time.
/// </summary>
internal sealed class UserRows
{
    private readonly int[] _start;
    private readonly int[] _length;
    private readonly int[] _items;
    private readonly long[]? _times;

    private UserRows(int[] start, int[] length, int[] items, long[]? times)
    {
        _start = start;
        _length = length;
        _items = items;
        _times = times;
    }

    public int Length(int user) => _length[user];

    public ReadOnlySpan<int> Items(int user) => _items.AsSpan(_start[user], _length[user]);

    public ReadOnlySpan<long> Times(int user) => _times.AsSpan(_start[user], _length[user]);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static UserRows Build(InteractionTable table)
    {
        int userCount = table.UserIds.Length;
        var start = new int[userCount + 1];
        foreach (int user in table.Users) start[user + 1]++;
        for (int u = 0; u < userCount; u++) start[u + 1] += start[u];

        var items = new int[table.Count];
        long[]? times = table.Times is null ? null : new long[table.Count];
        var cursor = start[..userCount];
        int[] users = table.Users;
        for (int k = 0; k < users.Length; k++)
        {
            int at = cursor[users[k]]++;
            items[at] = table.Items[k];
            if (times is not null) times[at] = table.Times![k];
        }

        var length = new int[userCount];
        Parallel.ForEach(Partitioner.Create(0, userCount, Math.Max(1024, userCount / (8 * Environment.ProcessorCount))), range =>
        {
            for (int u = range.Item1; u < range.Item2; u++)
                length[u] = times is null
                    ? SortDistinct(items.AsSpan(start[u], start[u + 1] - start[u]))
                    : SortDistinct(items.AsSpan(start[u], start[u + 1] - start[u]), times.AsSpan(start[u], start[u + 1] - start[u]));
        });
        return new UserRows(start, length, items, times);
    }

    /// <summary>Sorts the row and moves its distinct items to the front; returns how many there are.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SortDistinct(Span<int> row)
    {
        row.Sort();
        int distinct = 0;
        for (int i = 0; i < row.Length; i++)
            if (distinct == 0 || row[i] != row[distinct - 1]) row[distinct++] = row[i];
        return distinct;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SortDistinct(Span<int> row, Span<long> times)
    {
        row.Sort(times);
        int distinct = 0;
        for (int i = 0; i < row.Length; i++)
        {
            if (distinct > 0 && row[i] == row[distinct - 1])
            {
                times[distinct - 1] = Math.Max(times[distinct - 1], times[i]);
                continue;
            }
            row[distinct] = row[i];
            times[distinct++] = times[i];
        }
        return distinct;
    }
}
