using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using VaeToolkit.Configuration;

namespace VaeToolkit.Data.Parsing;

/// <summary>
/// Reads the lines of a delimited file (<see cref="InteractionFormat"/>) from bytes: fields are found with
/// vectorised searches, numbers are parsed in place and ids become <see cref="IdKeys"/> keys, so a line
/// costs no allocation. Only a line holding a quote character takes the slower, decoding path.
/// </summary>
internal sealed class DelimitedLineParser : LineParser
{
    private readonly InteractionFormat _format;
    private readonly byte[] _delimiter;
    private readonly Column _user;
    private readonly Column _item;
    private readonly Column? _fallback;
    private readonly Column? _rating;
    private readonly Column? _time;
    private readonly int _fieldCount;
    private readonly bool _hasThreshold;
    private readonly double _threshold;

    private DelimitedLineParser(InteractionFormat format, Column user, Column item, Column? fallback, Column? rating, Column? time)
    {
        _format = format;
        _delimiter = format.Encoding.GetBytes(format.Delimiter);
        (_user, _item, _fallback, _rating, _time) = (user, item, fallback, rating, time);
        _fieldCount = 1 + new[] { user, item, fallback, rating, time }.Max(column => column?.Index ?? -1);
        (_hasThreshold, _threshold) = (format.PositiveAbove.HasValue, format.PositiveAbove.GetValueOrDefault());
    }

    public override Encoding Encoding => _format.Encoding;

    /// <summary>A parser for a file without a header: the columns are 0-based indices.</summary>
    public static DelimitedLineParser FromIndices(InteractionFormat format, bool readTimes)
    {
        Column Index(string key, string value) =>
            int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                ? new Column(index, $"#{index}")
                : throw new ConfigException(ConfigErrorCodes.OutOfRange, $"'data.{key}' must be a 0-based column index when 'data.header' is false, not '{value}'");
        return new DelimitedLineParser(format,
            Index("user_column", format.UserColumn),
            Index("item_column", format.ItemColumn),
            format.ItemFallbackColumn is { } fallback ? Index("item_column", fallback) : null,
            format.RatingColumn is { } rating ? Index("rating_column", rating) : null,
            readTimes && format.TimestampColumn is { } time ? Index("timestamp_column", time) : null);
    }

    /// <summary>A parser whose columns are found by name in <paramref name="header"/>, line <paramref name="lineNumber"/> of <paramref name="file"/>.</summary>
    public static DelimitedLineParser FromHeader(InteractionFormat format, ReadOnlySpan<byte> header, string file, long lineNumber, bool readTimes)
    {
        var fields = new DelimitedLine(format.Delimiter, format.Quoted);
        if (!TextEncodings.IsValid(format.Encoding, header))
            throw new DataFormatException(file, lineNumber, $"the header is not valid {TextEncodings.NameOf(format.Encoding)}; set data.encoding to the file's encoding (such as latin-1)");
        if (!fields.Split(format.Encoding.GetString(Utf8Numbers.Trim(header))))
            throw new DataFormatException(file, lineNumber, "a quoted field is not closed");
        var names = new string[fields.Count];
        for (int i = 0; i < names.Length; i++) names[i] = fields[i].ToString();
        // A column is found by name; a 0-based index that no column is named after also works.
        Column Find(string name) =>
            Array.IndexOf(names, name) is int index and >= 0
                ? new Column(index, $"'{name}'")
                : int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int position) && position < names.Length
                    ? new Column(position, $"#{position} ('{names[position]}')")
                    : throw new DataFormatException(file, lineNumber, $"the header has no column '{name}' (columns: {string.Join(", ", names)})");
        return new DelimitedLineParser(format,
            Find(format.UserColumn),
            Find(format.ItemColumn),
            format.ItemFallbackColumn is { } fallback ? Find(fallback) : null,
            format.RatingColumn is { } rating ? Find(rating) : null,
            readTimes && format.TimestampColumn is { } time ? Find(time) : null);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Read(ReadOnlySpan<byte> line, SegmentRows rows)
    {
        rows.RowsRead++;
        if (_format.Quoted && line.Contains((byte)'"'))
        {
            ReadQuoted(line, rows);
            return;
        }
        Span<Range> fields = _fieldCount <= 8 ? stackalloc Range[8] : new Range[_fieldCount];
        int count = Split(line, fields[.._fieldCount]);
        if (count < _fieldCount) throw Missing(count);
        Accept(line[fields[_user.Index]], line[fields[_item.Index]],
            _fallback is null ? default : line[fields[_fallback.Index]],
            _rating is null ? default : line[fields[_rating.Index]],
            _time is null ? default : line[fields[_time.Index]], rows);
    }

    /// <summary>Finds the first <c>fields.Length</c> fields; returns how many there are (fewer when the line is short).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Split(ReadOnlySpan<byte> line, Span<Range> fields)
    {
        int start = 0;
        for (int count = 0; count < fields.Length; count++)
        {
            int length = _delimiter.Length == 1 ? line[start..].IndexOf(_delimiter[0]) : line[start..].IndexOf(_delimiter);
            if (length < 0)
            {
                fields[count] = start..line.Length;
                return count + 1;
            }
            fields[count] = start..(start + length);
            start += length + _delimiter.Length;
        }
        return fields.Length;
    }

    private void ReadQuoted(ReadOnlySpan<byte> line, SegmentRows rows)
    {
        // Decoding would turn malformed bytes into U+FFFD, and distinct ids into one.
        if (!TextEncodings.IsValid(_format.Encoding, line))
            throw new LineFormatException($"the line is not valid {TextEncodings.NameOf(_format.Encoding)}; set data.encoding to the file's encoding (such as latin-1)");
        var fields = new DelimitedLine(_format.Delimiter);
        if (!fields.Split(_format.Encoding.GetString(line))) throw new LineFormatException("a quoted field is not closed");
        if (fields.Count < _fieldCount) throw Missing(fields.Count);
        byte[] Field(Column? column) => column is null ? [] : _format.Encoding.GetBytes(fields[column.Index].ToString());
        Accept(Field(_user), Field(_item), Field(_fallback), Field(_rating), Field(_time), rows);
    }

    // The messages are built in the Bad* methods, which keeps this hot method small.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Accept(ReadOnlySpan<byte> user, ReadOnlySpan<byte> item, ReadOnlySpan<byte> fallback, ReadOnlySpan<byte> rating, ReadOnlySpan<byte> time,
        SegmentRows rows)
    {
        user = Utf8Numbers.Trim(user);
        item = Utf8Numbers.Trim(item);
        if (item.IsEmpty && _fallback is not null) item = Utf8Numbers.Trim(fallback);
        if (user.IsEmpty) throw BadUser();
        if (item.IsEmpty) throw BadItem();
        if (_rating is not null)
        {
            rating = Utf8Numbers.Trim(rating);
            if (!Utf8Numbers.TryParseNumber(rating, out double value)) throw BadRating(rating);
            if (_hasThreshold && !(value > _threshold)) return;
        }
        long seconds = 0;
        if (_time is not null && !Utf8Numbers.TryParseTime(Utf8Numbers.Trim(time), out seconds)) throw BadTime(time);
        rows.Add(rows.UserKeys.Key(user), rows.ItemKeys.Key(item), seconds);
    }

    private LineFormatException BadUser() => new($"the user id in column {_user.Name} is empty");

    private LineFormatException BadItem() => new($"the item id in column {_item.Name}{(_fallback is null ? "" : $" (and {_fallback.Name})")} is empty");

    private LineFormatException BadRating(ReadOnlySpan<byte> rating) => new($"{_format.RatingName} '{Text(rating)}' in column {_rating!.Name} is not a number");

    private LineFormatException BadTime(ReadOnlySpan<byte> time) =>
        new($"timestamp '{Text(Utf8Numbers.Trim(time))}' in column {_time!.Name} is not a time (Unix seconds or a date)");

    private LineFormatException Missing(int count)
    {
        Column first = new[] { _user, _item, _fallback, _rating, _time }.OfType<Column>().First(column => column.Index >= count);
        return new LineFormatException($"column {first.Name} is missing (the line has {count} columns)");
    }

    private string Text(ReadOnlySpan<byte> bytes) => _format.Encoding.GetString(bytes);

    /// <summary>A resolved column: its 0-based position, and how errors name it (<c>'rating'</c> or <c>#2</c>).</summary>
    private sealed record Column(int Index, string Name);
}
