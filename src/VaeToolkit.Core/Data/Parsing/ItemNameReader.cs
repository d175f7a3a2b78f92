using System.Text;
using VaeToolkit.Configuration;

namespace VaeToolkit.Data.Parsing;

/// <summary>Reads item display names from an <see cref="ItemNamesFile"/>, in its encoding (Latin-1 for the older MovieLens sets).</summary>
internal static class ItemNameReader
{
    /// <summary>The name of each of <paramref name="itemIds"/>; an item the file does not name keeps its id.</summary>
    public static string[] Read(ItemNamesFile file, IReadOnlyList<string> itemIds)
    {
        try
        {
            return ReadNames(file, itemIds);
        }
        catch (DecoderFallbackException)
        {
            // The reader decodes blocks ahead of the line it returns, so the line is found again from the bytes.
            long line = TextEncodings.FirstInvalidLine(file.Encoding, File.ReadAllBytes(file.Path)) + 1;
            throw new DataFormatException(file.Path, line,
                $"the line is not valid {TextEncodings.NameOf(file.Encoding)}; set data.encoding to the file's encoding (such as latin-1)");
        }
    }

    private static string[] ReadNames(ItemNamesFile file, IReadOnlyList<string> itemIds)
    {
        string path = file.Path;
        if (!File.Exists(path)) throw new FileNotFoundException($"item names file not found: {path}", path);
        var indexOf = new Dictionary<string, int>(itemIds.Count, StringComparer.Ordinal);
        for (int i = 0; i < itemIds.Count; i++) indexOf[itemIds[i]] = i;
        var lookup = indexOf.GetAlternateLookup<ReadOnlySpan<char>>();
        var names = new string?[itemIds.Count];
        var fields = new DelimitedLine(file.Delimiter, file.Quoted);
        using var reader = new StreamReader(path, TextEncodings.Strict(file.Encoding), detectEncodingFromByteOrderMarks: true);
        long lineNumber = 0;
        bool headerSeen = !file.Header;
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
            if (fields.Count <= file.NameColumn) throw new DataFormatException(path, lineNumber, "expected an item id and a name");
            if (!lookup.TryGetValue(fields[0], out int item) || names[item] is not null) continue;
            names[item] = file.NameToEndOfLine ? RestOfLine(line, file.Delimiter, file.NameColumn) : fields[file.NameColumn].ToString();
        }

        var result = new string[itemIds.Count];
        for (int i = 0; i < result.Length; i++) result[i] = names[i] ?? itemIds[i];
        return result;
    }

    /// <summary>Everything after the first <paramref name="column"/> delimiters.</summary>
    private static string RestOfLine(string line, string delimiter, int column)
    {
        int start = 0;
        for (int i = 0; i < column; i++) start = line.IndexOf(delimiter, start, StringComparison.Ordinal) + delimiter.Length;
        return line[start..].Trim();
    }
}
