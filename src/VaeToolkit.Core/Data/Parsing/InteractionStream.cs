using System.Text;

namespace VaeToolkit.Data.Parsing;

/// <summary>
/// Streams the user and item ids of an interactions file (CSV/TSV with a header line, or Parquet) in file
/// order, a chunk at a time, with the fast parsers of data preparation: memory holds a few chunks, not the
/// file. A malformed line is a <see cref="DataFormatException"/> naming the file and line (or row).
/// </summary>
public static class InteractionStream
{
    public static void Read(string path, InteractionColumns columns, Action<InteractionChunk> take, CancellationToken cancellationToken = default)
    {
        var format = new InteractionFormat
        {
            Delimiter = columns.DelimiterFor(path),
            Header = true,
            UserColumn = columns.User,
            ItemColumn = columns.Item,
            Encoding = new UTF8Encoding(false, throwOnInvalidBytes: true),
        };
        if (InteractionColumns.IsParquet(path))
        {
            long rows = ParquetRowCount(path);
            ParquetInteractionReader.ReadInOrder(path, format, withTimes: false,
                segment => take(new InteractionChunk(segment, rows == 0 ? 1 : (double)segment.End / rows)), cancellationToken);
            return;
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"interactions file not found: {path}", path);
        long size = Math.Max(1, new FileInfo(path).Length);
        LineFileReader.ReadInOrder([path], header: true,
            (file, header, number) => DelimitedLineParser.FromHeader(format, header, file, number, readTimes: false), withTimes: false,
            segment => take(new InteractionChunk(segment, (double)segment.End / size)), cancellationToken);
    }

    private static long ParquetRowCount(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"interactions file not found: {path}", path);
        try
        {
            return CountAsync(path).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DataFormatException(path, 0, $"not a readable Parquet file: {e.Message}");
        }

        static async Task<long> CountAsync(string path)
        {
            await using var reader = await Parquet.ParquetReader.CreateAsync(path).ConfigureAwait(false);
            long rows = 0;
            for (int group = 0; group < reader.RowGroupCount; group++)
            {
                using var rowGroup = reader.OpenRowGroupReader(group);
                rows += rowGroup.RowCount;
            }
            return rows;
        }
    }
}
