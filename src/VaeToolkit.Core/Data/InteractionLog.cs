using System.Runtime.InteropServices;

namespace VaeToolkit.Data;

/// <summary>
/// Positive user-item interactions in the order they were read, stored as two columns of indices into
/// interned id lists. Ids are looked up by span, so a repeated id costs no allocation.
/// </summary>
internal sealed class InteractionLog
{
    private readonly Dictionary<string, int> _userIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _itemIndex = new(StringComparer.Ordinal);
    private readonly List<string> _userIds = [];
    private readonly List<string> _itemIds = [];
    private readonly List<int> _users = [];
    private readonly List<int> _items = [];

    public InteractionLog(string source) => Source = source;

    /// <summary>The file (or generator) the interactions came from; named in errors.</summary>
    public string Source { get; }

    /// <summary>Data rows seen before the rating filter.</summary>
    public long RowsRead { get; set; }

    public int Count => _users.Count;

    public IReadOnlyList<string> UserIds => _userIds;

    public IReadOnlyList<string> ItemIds => _itemIds;

    /// <summary>The user index of each interaction.</summary>
    public ReadOnlySpan<int> Users => CollectionsMarshal.AsSpan(_users);

    /// <summary>The item index of each interaction.</summary>
    public ReadOnlySpan<int> Items => CollectionsMarshal.AsSpan(_items);

    public void Add(ReadOnlySpan<char> userId, ReadOnlySpan<char> itemId)
    {
        _users.Add(Intern(_userIndex, _userIds, userId));
        _items.Add(Intern(_itemIndex, _itemIds, itemId));
    }

    private static int Intern(Dictionary<string, int> index, List<string> ids, ReadOnlySpan<char> id)
    {
        var lookup = index.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(id, out int existing)) return existing;
        string text = id.ToString();
        index.Add(text, ids.Count);
        ids.Add(text);
        return ids.Count - 1;
    }
}
