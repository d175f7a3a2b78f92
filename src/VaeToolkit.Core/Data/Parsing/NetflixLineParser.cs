using System.Runtime.CompilerServices;
using System.Text;

namespace VaeToolkit.Data.Parsing;

/// <summary>
/// Reads Netflix Prize files (<c>training_set/mv_*.txt</c>, <c>combined_data_*.txt</c>): a <c>movieId:</c>
/// line, then <c>customerId,rating,date</c> lines for that movie, and so on.
/// </summary>
internal sealed class NetflixLineParser(double? positiveAbove, bool readTimes, Encoding encoding) : LineParser
{
    public override Encoding Encoding => encoding;

    public override bool StartsSegment(ReadOnlySpan<byte> line) => IsMovieLine(Utf8Numbers.Trim(line));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Read(ReadOnlySpan<byte> line, SegmentRows rows)
    {
        line = Utf8Numbers.Trim(line);
        if (line[^1] == ':')
        {
            if (!IsMovieLine(line)) throw new LineFormatException($"'{Text(line)}' is not a 'movieId:' line");
            rows.CurrentItem = rows.ItemKeys.Key(line[..^1]);
            return;
        }

        rows.RowsRead++;
        if (rows.CurrentItem is not int item) throw new LineFormatException("a rating comes before any 'movieId:' line");
        int first = line.IndexOf((byte)',');
        int second = first < 0 ? -1 : line[(first + 1)..].IndexOf((byte)',');
        if (second < 0) throw new LineFormatException($"expected customerId,rating,date, not '{Text(line)}'");
        second += first + 1;
        ReadOnlySpan<byte> user = Utf8Numbers.Trim(line[..first]);
        ReadOnlySpan<byte> rating = Utf8Numbers.Trim(line[(first + 1)..second]);
        ReadOnlySpan<byte> date = Utf8Numbers.Trim(line[(second + 1)..]);
        if (user.IsEmpty) throw new LineFormatException("the customer id is empty");
        if (!Utf8Numbers.TryParseNumber(rating, out double value)) throw new LineFormatException($"rating '{Text(rating)}' is not a number");
        if (positiveAbove is double threshold && !(value > threshold)) return;
        long seconds = 0;
        if (readTimes && !Utf8Numbers.TryParseTime(date, out seconds)) throw new LineFormatException($"date '{Text(date)}' is not a date");
        rows.Add(rows.UserKeys.Key(user), item, seconds);
    }

    private static bool IsMovieLine(ReadOnlySpan<byte> line) =>
        line.Length >= 2 && line[^1] == ':' && !line[..^1].ContainsAnyExceptInRange((byte)'0', (byte)'9');

    private string Text(ReadOnlySpan<byte> bytes) => encoding.GetString(bytes);
}
