using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using VaeToolkit.Data.Parsing;

namespace VaeToolkit.Data;

/// <summary>
/// Positive user-item interactions in source order, as dense user and item indices with the original
/// ids. Indices follow first appearance in the source, so they do not depend on how the source was cut
/// into segments or how many cores read it.
/// </summary>
internal sealed class InteractionTable
{
    // Numeric keys up to this value are numbered through an array; larger ones through a dictionary.
    private const int MaxDirectKey = 1 << 24;

    public InteractionTable(string source, long rowsRead, int[] users, int[] items, long[]? times, string[] userIds, string[] itemIds)
    {
        Source = source;
        RowsRead = rowsRead;
        Users = users;
        Items = items;
        Times = times;
        UserIds = userIds;
        ItemIds = itemIds;
    }

    /// <summary>The file (or generator) the interactions came from; named in errors.</summary>
    public string Source { get; }

    /// <summary>Data rows seen before the positive filter.</summary>
    public long RowsRead { get; }

    /// <summary>The user index of each interaction.</summary>
    public int[] Users { get; }

    /// <summary>The item index of each interaction.</summary>
    public int[] Items { get; }

    /// <summary>The Unix time of each interaction, when they were read.</summary>
    public long[]? Times { get; }

    public string[] UserIds { get; }

    public string[] ItemIds { get; }

    public int Count => Users.Length;

    /// <summary>Numbers the keys of all segments, in segment order; users and items are numbered at the same time on two threads.</summary>
    public static InteractionTable Merge(string source, IReadOnlyList<SegmentRows> segments, Encoding encoding)
    {
        long total = 0;
        foreach (var segment in segments) total += segment.Users.Count;
        if (total > Array.MaxLength) throw new DataFormatException(source, 0, $"{total:N0} interactions are more than one data set can hold");

        int[] users = [], items = [];
        string[] userIds = [], itemIds = [];
        Parallel.Invoke(
            () => (users, userIds) = Number(segments, s => s.UserKeys, s => s.Users, (int)total, encoding),
            () => (items, itemIds) = Number(segments, s => s.ItemKeys, s => s.Items, (int)total, encoding));

        long[]? times = null;
        if (segments.Count > 0 && segments[0].Times is not null)
        {
            times = new long[total];
            int at = 0;
            foreach (var segment in segments)
            {
                segment.Times!.CopyTo(times, at);
                at += segment.Times.Count;
            }
        }
        return new InteractionTable(source, segments.Sum(s => s.RowsRead), users, items, times, userIds, itemIds);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int[] Indices, string[] Ids) Number(IReadOnlyList<SegmentRows> segments, Func<SegmentRows, IdKeys> keysOf,
        Func<SegmentRows, List<int>> columnOf, int total, Encoding encoding)
    {
        int maxNumber = segments.Count == 0 ? -1 : segments.Max(s => keysOf(s).MaxNumber);
        int[]? direct = maxNumber is >= 0 and < MaxDirectKey ? new int[maxNumber + 1] : null;
        if (direct is not null) Array.Fill(direct, -1);
        var numbers = new Dictionary<int, int>();
        var texts = new Dictionary<byte[], int>(ByteStringComparer.Instance);
        var ids = new List<string>();

        var indices = new int[total];
        int at = 0;
        foreach (var segment in segments)
        {
            IdKeys keys = keysOf(segment);
            // The global index of each of this segment's text keys, found once per distinct text.
            var textIndex = new int[keys.Texts.Count];
            Array.Fill(textIndex, -1);
            foreach (int key in columnOf(segment))
            {
                int index;
                if (key >= 0)
                {
                    if (direct is not null)
                    {
                        index = direct[key];
                        if (index < 0) index = direct[key] = New(key.ToString(CultureInfo.InvariantCulture));
                    }
                    else if (!numbers.TryGetValue(key, out index))
                    {
                        numbers[key] = index = New(key.ToString(CultureInfo.InvariantCulture));
                    }
                }
                else
                {
                    index = textIndex[~key];
                    if (index < 0)
                    {
                        byte[] text = keys.Texts[~key];
                        if (!texts.TryGetValue(text, out index)) texts[text] = index = New(encoding.GetString(text));
                        textIndex[~key] = index;
                    }
                }
                indices[at++] = index;
            }
        }
        return (indices, [.. ids]);

        int New(string id)
        {
            ids.Add(id);
            return ids.Count - 1;
        }
    }
}
