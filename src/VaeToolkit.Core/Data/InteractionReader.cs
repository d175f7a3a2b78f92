using System.Globalization;
using System.Text;
using VaeToolkit.Configuration;

namespace VaeToolkit.Data;

/// <summary>
/// Streams a delimited interactions file into an <see cref="InteractionLog"/>, keeping the rows whose
/// rating is above the threshold. Blank lines are skipped; a malformed line is a
/// <see cref="DataFormatException"/> naming the file and the line.
/// </summary>
internal static class InteractionReader
{
    public static InteractionLog Read(string path, InteractionFormat format, double? positiveThreshold, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"interactions file not found: {path}", path);
        var log = new InteractionLog(path);
        var fields = new DelimitedLine(format.Delimiter);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true,
            new FileStreamOptions { BufferSize = 1 << 20, Options = FileOptions.SequentialScan });

        long lineNumber = 0;
        Columns? columns = format.Header ? null : Columns.FromIndices(format);
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if ((lineNumber & 0xFFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (!fields.Split(line))
                throw new DataFormatException(path, lineNumber, "a quoted field is not closed");
            if (columns is null)
            {
                columns = Columns.FromHeader(format, fields, path, lineNumber);
                continue;
            }

            log.RowsRead++;
            if (fields.Count <= columns.Last)
                throw new DataFormatException(path, lineNumber, $"column {columns.FirstMissing(fields.Count)} is missing (the line has {fields.Count} columns)");
            ReadOnlySpan<char> user = fields[columns.User];
            ReadOnlySpan<char> item = fields[columns.Item];
            if (user.IsEmpty) throw new DataFormatException(path, lineNumber, $"the user id in column {columns.UserName} is empty");
            if (item.IsEmpty) throw new DataFormatException(path, lineNumber, $"the item id in column {columns.ItemName} is empty");
            if (columns.Rating >= 0)
            {
                ReadOnlySpan<char> text = fields[columns.Rating];
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double rating) || !double.IsFinite(rating))
                    throw new DataFormatException(path, lineNumber, $"rating '{text}' in column {columns.RatingName} is not a number");
                if (positiveThreshold is double threshold && !(rating > threshold)) continue;
            }
            log.Add(user, item);
        }
        if (columns is null && format.Header)
            throw new DataFormatException(path, 0, "the file is empty: no header line");
        return log;
    }

    /// <summary>The resolved 0-based column positions, and how errors name them; <see cref="Rating"/> is -1 without ratings.</summary>
    private sealed record Columns(int User, int Item, int Rating, string UserName, string ItemName, string RatingName)
    {
        public int Last => Math.Max(User, Math.Max(Item, Rating));

        public string FirstMissing(int count) => User >= count ? UserName : Item >= count ? ItemName : RatingName;

        public static Columns FromIndices(InteractionFormat format)
        {
            int Index(string key, string value) =>
                int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                    ? index
                    : throw new ConfigException(ConfigErrorCodes.OutOfRange, $"'data.{key}' must be a 0-based column index when 'data.header' is false, not '{value}'");
            int user = Index("user_column", format.UserColumn);
            int item = Index("item_column", format.ItemColumn);
            int rating = format.RatingColumn is null ? -1 : Index("rating_column", format.RatingColumn);
            return new Columns(user, item, rating, $"#{user}", $"#{item}", $"#{rating}");
        }

        public static Columns FromHeader(InteractionFormat format, DelimitedLine header, string path, long lineNumber)
        {
            var names = new string[header.Count];
            for (int i = 0; i < names.Length; i++) names[i] = header[i].ToString();
            int Index(string name) =>
                Array.IndexOf(names, name) is int index and >= 0
                    ? index
                    : throw new DataFormatException(path, lineNumber, $"the header has no column '{name}' (columns: {string.Join(", ", names)})");
            int user = Index(format.UserColumn);
            int item = Index(format.ItemColumn);
            int rating = format.RatingColumn is null ? -1 : Index(format.RatingColumn);
            return new Columns(user, item, rating, $"'{format.UserColumn}'", $"'{format.ItemColumn}'", $"'{format.RatingColumn}'");
        }
    }
}
