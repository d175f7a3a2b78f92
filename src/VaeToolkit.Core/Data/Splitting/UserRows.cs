using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace VaeToolkit.Data.Splitting;

/// <summary>
/// Each user's distinct items in order of first appearance, grouped by a counting sort and deduplicated
/// on every core (with a per-thread "last seen by" array rather than a sort). With times, a pair seen
/// more than once keeps its latest time.
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
        int itemCount = table.ItemIds.Length;
        Parallel.ForEach(Partitioner.Create(0, userCount, Math.Max(1024, userCount / (8 * Environment.ProcessorCount))),
            () => new Seen(itemCount),
            (range, _, seen) =>
            {
                for (int u = range.Item1; u < range.Item2; u++)
                {
                    var row = items.AsSpan(start[u], start[u + 1] - start[u]);
                    length[u] = seen.Distinct(u, row, times is null ? default : times.AsSpan(start[u], row.Length));
                }
                return seen;
            },
            _ => { });
        return new UserRows(start, length, items, times);
    }

    /// <summary>Per-thread scratch: which user last saw each item, and where in that user's row it went.</summary>
    private sealed class Seen(int itemCount)
    {
        private readonly int[] _user = Enumerable.Repeat(-1, itemCount).ToArray();
        private readonly int[] _at = new int[itemCount];

        /// <summary>Moves the distinct items of <paramref name="row"/> to its front, in order; returns how many there are.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int Distinct(int user, Span<int> row, Span<long> times)
        {
            int distinct = 0;
            for (int i = 0; i < row.Length; i++)
            {
                int item = row[i];
                if (_user[item] == user)
                {
                    if (!times.IsEmpty) times[_at[item]] = Math.Max(times[_at[item]], times[i]);
                    continue;
                }
                _user[item] = user;
                _at[item] = distinct;
                row[distinct] = item;
                if (!times.IsEmpty) times[distinct] = times[i];
                distinct++;
            }
            return distinct;
        }
    }
}
