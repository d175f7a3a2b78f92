using System.Globalization;
using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace VaeToolkit.Data.Parsing;

/// <summary>
/// Reads interactions from a Parquet file with the same column settings as a delimited file: columns by
/// name (or 0-based index), ids of any integer or text type, ratings of any numeric type, times as
/// integers (Unix seconds), dates or text. Each row group becomes one <see cref="SegmentRows"/>. A bad
/// value is a <see cref="DataFormatException"/> whose line number is the 1-based row.
/// </summary>
internal static class ParquetInteractionReader
{
    public static List<SegmentRows> Read(string path, InteractionFormat format, bool withTimes, CancellationToken cancellationToken)
    {
        var segments = new List<SegmentRows>();
        ReadInOrder(path, format, withTimes, segments.Add, cancellationToken);
        return segments;
    }

    /// <summary>Like <see cref="Read"/>, but hands each row group to <paramref name="take"/> as it is read, and keeps none.</summary>
    public static void ReadInOrder(string path, InteractionFormat format, bool withTimes, Action<SegmentRows> take, CancellationToken cancellationToken)
    {
        // What take throws is its own error, not a sign of a damaged file: it passes through unchanged.
        ExceptionDispatchInfo? takeFailure = null;
        void Take(SegmentRows rows)
        {
            try
            {
                take(rows);
            }
            catch (Exception e)
            {
                takeFailure = ExceptionDispatchInfo.Capture(e);
                throw new TakeFailedException();
            }
        }
        try
        {
            ReadAsync(path, format, withTimes, Take, cancellationToken).GetAwaiter().GetResult();
        }
        catch (TakeFailedException)
        {
            takeFailure!.Throw();
        }
        catch (Exception e) when (e is not (DataFormatException or FileNotFoundException or OperationCanceledException or OutOfMemoryException))
        {
            // Parquet.Net reports a corrupt page or footer with whatever its decoders throw (index, argument, Thrift,
            // Snappy, null reference errors): all of them mean the file cannot be read.
            throw new DataFormatException(path, 0, $"not a readable Parquet file: {e.Message}");
        }
    }

    private static async Task ReadAsync(string path, InteractionFormat format, bool withTimes, Action<SegmentRows> take, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"interactions file not found: {path}", path);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException || e.GetType().Namespace?.StartsWith("Parquet", StringComparison.Ordinal) == true)
        {
            throw new DataFormatException(path, 0, $"not a readable Parquet file: {e.Message}");
        }

        await using (reader.ConfigureAwait(false))
        {
            DataField[] fields = reader.Schema.GetDataFields();
            DataField Find(string column) =>
                fields.FirstOrDefault(f => f.Name == column)
                ?? (int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < fields.Length ? fields[index] : null)
                ?? throw new DataFormatException(path, 0, $"the Parquet file has no column '{column}' (columns: {string.Join(", ", fields.Select(f => f.Name))})");
            DataField user = Find(format.UserColumn);
            DataField item = Find(format.ItemColumn);
            DataField? rating = format.RatingColumn is { } r ? Find(r) : null;
            DataField? time = withTimes && format.TimestampColumn is { } t ? Find(t) : null;

            long firstRow = 1;
            for (int group = 0; group < reader.RowGroupCount; group++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using ParquetRowGroupReader rowGroup = reader.OpenRowGroupReader(group);
                int count = checked((int)rowGroup.RowCount);
                Values users = await ReadAsync(path, rowGroup, user, count, cancellationToken).ConfigureAwait(false);
                Values items = await ReadAsync(path, rowGroup, item, count, cancellationToken).ConfigureAwait(false);
                Values? ratings = rating is null ? null : await ReadAsync(path, rowGroup, rating, count, cancellationToken).ConfigureAwait(false);
                Values? times = time is null ? null : await ReadAsync(path, rowGroup, time, count, cancellationToken).ConfigureAwait(false);

                var rows = new SegmentRows(count, withTimes, Encoding.UTF8) { RowsRead = count };
                for (int i = 0; i < count; i++)
                {
                    long row = firstRow + i;
                    if (users.IsMissing(i)) throw new DataFormatException(path, row, $"the user id in column '{user.Name}' is empty");
                    if (items.IsMissing(i)) throw new DataFormatException(path, row, $"the item id in column '{item.Name}' is empty");
                    if (ratings is not null)
                    {
                        double value = ratings.Number(i)
                            ?? throw new DataFormatException(path, row, $"{format.RatingName} '{ratings.Text(i)}' in column '{rating!.Name}' is not a number");
                        if (format.PositiveAbove is double threshold && !(value > threshold)) continue;
                    }
                    long seconds = 0;
                    if (times is not null)
                        seconds = times.Seconds(i)
                            ?? throw new DataFormatException(path, row, $"timestamp '{times.Text(i)}' in column '{time!.Name}' is not a time (Unix seconds or a date)");
                    int userKey = users.Key(i, rows.UserKeys);
                    int itemKey = items.Key(i, rows.ItemKeys);
                    rows.Add(userKey, itemKey, seconds);
                }
                firstRow += count;
                rows.End = firstRow - 1;
                take(rows);
            }
        }
    }

    private static async Task<Values> ReadAsync(string path, ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
    {
        Type type = field.ClrType;
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>))
        {
            var texts = new string?[count];
            await rowGroup.ReadAsync(field, texts.AsMemory(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return new Values { Texts = texts };
        }
        if (type == typeof(int)) return new Values { Integers = await IntegersAsync<int>(rowGroup, field, count, cancellationToken).ConfigureAwait(false) };
        if (type == typeof(long)) return new Values { Integers = await IntegersAsync<long>(rowGroup, field, count, cancellationToken).ConfigureAwait(false) };
        if (type == typeof(short)) return new Values { Integers = await IntegersAsync<short>(rowGroup, field, count, cancellationToken).ConfigureAwait(false) };
        if (type == typeof(uint)) return new Values { Integers = await IntegersAsync<uint>(rowGroup, field, count, cancellationToken).ConfigureAwait(false) };
        if (type == typeof(double)) return new Values { Reals = await RealsAsync<double>(rowGroup, field, count, cancellationToken).ConfigureAwait(false) };
        if (type == typeof(float)) return new Values { Reals = await RealsAsync<float>(rowGroup, field, count, cancellationToken).ConfigureAwait(false) };
        if (type == typeof(decimal)) return new Values { Reals = await RealsAsync<decimal>(rowGroup, field, count, cancellationToken).ConfigureAwait(false) };
        if (type == typeof(DateTime))
        {
            DateTime?[] dates = await NullableAsync<DateTime>(rowGroup, field, count, cancellationToken).ConfigureAwait(false);
            return new Values { Integers = Array.ConvertAll(dates, d => d is DateTime date ? new DateTimeOffset(DateTime.SpecifyKind(date, DateTimeKind.Utc)).ToUnixTimeSeconds() : (long?)null) };
        }
        throw new DataFormatException(path, 0, $"column '{field.Name}' holds {type.Name} values, which cannot be read as ids, ratings or times");
    }

    private static async Task<long?[]> IntegersAsync<T>(ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
        where T : struct, IBinaryInteger<T>
    {
        T?[] values = await NullableAsync<T>(rowGroup, field, count, cancellationToken).ConfigureAwait(false);
        return Array.ConvertAll(values, v => v is T value ? long.CreateTruncating(value) : (long?)null);
    }

    private static async Task<double?[]> RealsAsync<T>(ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
        where T : struct, INumberBase<T>
    {
        T?[] values = await NullableAsync<T>(rowGroup, field, count, cancellationToken).ConfigureAwait(false);
        return Array.ConvertAll(values, v => v is T value ? double.CreateTruncating(value) : (double?)null);
    }

    /// <summary>
    /// A column as nullable values. A required column is read into plain values: reading it straight into
    /// nullable ones gives random nulls in Parquet.Net 6.1.
    /// </summary>
    private static async Task<T?[]> NullableAsync<T>(ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
        where T : struct
    {
        if (field.IsNullable)
        {
            var nullable = new T?[count];
            await rowGroup.ReadAsync(field, nullable.AsMemory(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return nullable;
        }
        var values = new T[count];
        await rowGroup.ReadAsync(field, values.AsMemory(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return Array.ConvertAll(values, value => (T?)value);
    }

    /// <summary>One column of one row group: integers, reals or texts (null entries are missing values).</summary>
    private sealed class Values
    {
        private byte[] _scratch = new byte[256];

        public long?[]? Integers { get; init; }

        public double?[]? Reals { get; init; }

        public string?[]? Texts { get; init; }

        public string Text(int row) =>
            Integers?[row]?.ToString(CultureInfo.InvariantCulture) ?? Reals?[row]?.ToString("R", CultureInfo.InvariantCulture) ?? Texts?[row] ?? "";

        public bool IsMissing(int row) => Integers is not null ? Integers[row] is null : string.IsNullOrWhiteSpace(Text(row));

        /// <summary>The id key of a row that is not missing.</summary>
        public int Key(int row, IdKeys keys)
        {
            if (Integers is not null) return keys.Key(Integers[row]!.Value);
            string text = Text(row);
            int length = Encoding.UTF8.GetByteCount(text);
            if (_scratch.Length < length) _scratch = new byte[length * 2];
            int written = Encoding.UTF8.GetBytes(text, _scratch);
            return keys.Key(Utf8Numbers.Trim(_scratch.AsSpan(0, written)));
        }

        public double? Number(int row)
        {
            if (Reals is not null) return Reals[row] is double real && double.IsFinite(real) ? real : null;
            if (Integers is not null) return Integers[row];
            return Texts![row] is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) ? value : null;
        }

        public long? Seconds(int row)
        {
            if (Integers is not null) return Integers[row];
            if (Reals is not null) return Reals[row] is double real && double.IsFinite(real) ? (long)real : null;
            return Texts![row] is { } text && Utf8Numbers.TryParseTime(Encoding.UTF8.GetBytes(text.Trim()), out long seconds) ? seconds : null;
        }
    }

    private sealed class TakeFailedException : Exception;
}
