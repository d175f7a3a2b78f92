using System.Globalization;
using System.Text;
using VaeToolkit.IO;

namespace VaeToolkit.Runs;

/// <summary>
/// The model's items (<see cref="ModelFiles.Items"/>): original id, training popularity (how many
/// training users have the item) and optional display name of each internal item index.
/// <para>
/// On disk: a header <c>index	item_id	popularity	name</c>, then one line per item in index order.
/// Backslash, tab, carriage return and newline in ids and names are written as <c>\\</c>, <c>\t</c>,
/// <c>\r</c> and <c>\n</c>. An item without a name has an empty name field.
/// </para>
/// </summary>
public sealed class ItemTable
{
    private const string Header = "index\titem_id\tpopularity\tname";

    private readonly string[] ids;
    private readonly int[] popularity;
    private readonly string?[]? names;
    private readonly Dictionary<string, int> indexById;

    public ItemTable(IReadOnlyList<string> ids, IReadOnlyList<int> popularity, IReadOnlyList<string?>? names = null)
    {
        if (popularity.Count != ids.Count || (names is not null && names.Count != ids.Count))
            throw new ArgumentException($"{ids.Count} item ids, {popularity.Count} popularity counts and {names?.Count ?? ids.Count} names do not line up");
        this.ids = [.. ids];
        this.popularity = [.. popularity];
        this.names = names is null ? null : [.. names];
        indexById = new Dictionary<string, int>(ids.Count, StringComparer.Ordinal);
        for (int i = 0; i < ids.Count; i++)
        {
            if (!indexById.TryAdd(ids[i], i))
                throw new ArgumentException($"item id '{ids[i]}' appears twice (indices {indexById[ids[i]]} and {i})", nameof(ids));
        }
    }

    public int Count => ids.Length;

    public IReadOnlyList<string> Ids => ids;

    public IReadOnlyList<int> Popularity => popularity;

    /// <summary>Display names, or null when the data set has none.</summary>
    public IReadOnlyList<string?>? Names => names;

    public string? NameOf(int index) => names?[index];

    public bool TryGetIndex(string itemId, out int index) => indexById.TryGetValue(itemId, out index);

    /// <summary>Item indices, most popular in training first; equal counts in index order.</summary>
    public int[] RankByPopularity() => RankByPopularity(popularity);

    /// <summary>Indices of <paramref name="popularity"/>, highest count first; equal counts in index order.</summary>
    public static int[] RankByPopularity(IReadOnlyList<int> popularity) =>
        [.. Enumerable.Range(0, popularity.Count).OrderByDescending(item => popularity[item])];

    /// <summary>
    /// The indices of the ids the table knows, each once, in order of first appearance, and the ids it does not
    /// know, each once, in order of appearance: a history or an item list as a request gives it.
    /// </summary>
    public (int[] Known, string[] Unknown) Resolve(IEnumerable<string> itemIds)
    {
        var known = new List<int>();
        var seenKnown = new HashSet<int>();
        var unknown = new List<string>();
        var seenUnknown = new HashSet<string>(StringComparer.Ordinal);
        foreach (string id in itemIds)
        {
            if (indexById.TryGetValue(id, out int index))
            {
                if (seenKnown.Add(index)) known.Add(index);
            }
            else if (seenUnknown.Add(id))
            {
                unknown.Add(id);
            }
        }
        return ([.. known], [.. unknown]);
    }

    public void Save(string path) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            writer.WriteLine(Header);
            for (int i = 0; i < ids.Length; i++)
                writer.WriteLine($"{i}\t{Escape(ids[i])}\t{popularity[i].ToString(CultureInfo.InvariantCulture)}\t{Escape(names?[i] ?? "")}");
        });

    public static ItemTable Load(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        if (reader.ReadLine() != Header)
            throw new InvalidDataException($"{path}(1): expected the header '{Header.Replace("\t", "<TAB>")}'");
        var ids = new List<string>();
        var popularity = new List<int>();
        var names = new List<string?>();
        int lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            string[] fields = line.Split('\t');
            if (fields.Length != 4)
                throw new InvalidDataException($"{path}({lineNumber}): expected 4 tab-separated fields, found {fields.Length}");
            if (!int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index != ids.Count)
                throw new InvalidDataException($"{path}({lineNumber}): expected index {ids.Count}, found '{fields[0]}'");
            if (!int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
                throw new InvalidDataException($"{path}({lineNumber}): popularity '{fields[2]}' is not a count");
            ids.Add(Unescape(fields[1]));
            popularity.Add(count);
            names.Add(fields[3].Length == 0 ? null : Unescape(fields[3]));
        }
        try
        {
            return new ItemTable(ids, popularity, names.Exists(name => name is not null) ? names : null);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static string Escape(string text)
    {
        if (text.AsSpan().IndexOfAny("\\\t\r\n") < 0) return text;
        return text.Replace("\\", "\\\\").Replace("\t", "\\t").Replace("\r", "\\r").Replace("\n", "\\n");
    }

    private static string Unescape(string text)
    {
        if (!text.Contains('\\')) return text;
        var builder = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i == text.Length - 1)
            {
                builder.Append(text[i]);
                continue;
            }
            i++;
            builder.Append(text[i] switch { 't' => '\t', 'r' => '\r', 'n' => '\n', char other => other });
        }
        return builder.ToString();
    }
}
