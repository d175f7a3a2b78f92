using System.Text;
using VaeToolkit.Configuration;

namespace VaeToolkit.Inference;

/// <summary>
/// Reads a delimited <c>user,item[,...]</c> file with a header line into per-user item lists, users
/// in order of first appearance. Further columns (rating, timestamp) are ignored. The file must be UTF-8:
/// malformed bytes are an error rather than U+FFFD, which would merge distinct ids.
/// </summary>
internal static class InteractionsFile
{
    public static List<(string UserId, List<string> ItemIds)> Read(string path, char delimiter)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"interactions file not found: {path}", path);
        try
        {
            return ReadLines(path, delimiter);
        }
        catch (DecoderFallbackException)
        {
            // The reader decodes blocks ahead of the line it returns, so the line is found again from the bytes.
            long line = TextEncodings.FirstInvalidLine(Encoding.UTF8, File.ReadAllBytes(path)) + 1;
            throw new InvalidDataException($"{path}({line}): the line is not valid UTF-8; save the file as UTF-8");
        }
    }

    private static List<(string UserId, List<string> ItemIds)> ReadLines(string path, char delimiter)
    {
        var users = new List<(string UserId, List<string> ItemIds)>();
        var positionById = new Dictionary<string, int>(StringComparer.Ordinal);
        using var reader = new StreamReader(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
        if (reader.ReadLine() is null) throw new InvalidDataException($"{path}: the file is empty (expected a header line)");
        int lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string[] fields = line.Split(delimiter);
            if (fields.Length < 2)
                throw new InvalidDataException($"{path}({lineNumber}): expected a user id and an item id separated by '{delimiter}'");
            string userId = Unquote(fields[0]);
            if (!positionById.TryGetValue(userId, out int position))
            {
                position = users.Count;
                positionById.Add(userId, position);
                users.Add((userId, []));
            }
            users[position].ItemIds.Add(Unquote(fields[1]));
        }
        return users;
    }

    private static string Unquote(string field)
    {
        string trimmed = field.Trim();
        return trimmed.Length >= 2 && trimmed[0] == '"' && trimmed[^1] == '"' ? trimmed[1..^1].Replace("\"\"", "\"") : trimmed;
    }
}
