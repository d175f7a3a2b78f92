using System.Text;

namespace VaeToolkit.Data;

/// <summary>
/// Reads item display names from a file shaped like MovieLens <c>movies.csv</c>: a header line, then
/// <c>id,name,...</c> rows whose fields may be quoted.
/// </summary>
internal static class ItemNameReader
{
    /// <summary>The name of each of <paramref name="itemIds"/>; an item the file does not name keeps its id.</summary>
    public static string[] Read(string path, char delimiter, IReadOnlyList<string> itemIds)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"item names file not found: {path}", path);
        var indexOf = new Dictionary<string, int>(itemIds.Count, StringComparer.Ordinal);
        for (int i = 0; i < itemIds.Count; i++) indexOf[itemIds[i]] = i;
        var lookup = indexOf.GetAlternateLookup<ReadOnlySpan<char>>();
        var names = new string?[itemIds.Count];
        var fields = new DelimitedLine(delimiter);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        long lineNumber = 0;
        bool headerSeen = false;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (!fields.Split(line)) throw new DataFormatException(path, lineNumber, "a quoted field is not closed");
            if (!headerSeen)
            {
                headerSeen = true;
                continue;
            }
            if (fields.Count < 2) throw new DataFormatException(path, lineNumber, "expected an item id and a name");
            if (lookup.TryGetValue(fields[0], out int item))
                names[item] ??= fields[1].ToString();
        }

        var result = new string[itemIds.Count];
        for (int i = 0; i < result.Length; i++) result[i] = names[i] ?? itemIds[i];
        return result;
    }
}
