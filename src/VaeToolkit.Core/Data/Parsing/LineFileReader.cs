using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Win32.SafeHandles;

namespace VaeToolkit.Data.Parsing;

/// <summary>
/// Reads text interaction files on every core. Each file is cut into segments of about
/// <see cref="SegmentBytes"/> at line starts that the parser accepts; the workers stream their segments
/// through a small buffer (the file is never held as a whole, nor as strings) and the segments come back
/// in file order. The first malformed line, in file order, becomes a <see cref="DataFormatException"/>
/// naming the file and the line.
/// </summary>
/// <remarks>
/// The per-line methods here and in the parsers are marked <see cref="MethodImplOptions.AggressiveOptimization"/>:
/// a preparation runs them over millions of lines once, and tiered compilation would spend much of that
/// run in unoptimised code before it promotes them.
/// </remarks>
internal static class LineFileReader
{
    public const int SegmentBytes = 16 << 20;
    private const int BufferBytes = 1 << 20;

    /// <param name="files">Read in this order.</param>
    /// <param name="header">Whether the first non-blank line of each file is a header.</param>
    /// <param name="parserFor">The parser of a file, given its header line and that line's number (null and 0 without a header).</param>
    /// <param name="withTimes">Whether rows keep their timestamps.</param>
    public static List<SegmentRows> Read(IReadOnlyList<string> files, bool header, Func<string, byte[]?, long, LineParser> parserFor, bool withTimes,
        CancellationToken cancellationToken)
    {
        var segments = new List<SegmentRows>();
        ReadInOrder(files, header, parserFor, withTimes, segments.Add, cancellationToken);
        return segments;
    }

    /// <summary>
    /// Like <see cref="Read"/>, but hands each segment to <paramref name="take"/> in file order and keeps
    /// none: at most one segment per core is held at a time, whatever the size of the files.
    /// </summary>
    public static void ReadInOrder(IReadOnlyList<string> files, bool header, Func<string, byte[]?, long, LineParser> parserFor, bool withTimes,
        Action<SegmentRows> take, CancellationToken cancellationToken)
    {
        var plan = new List<(string File, LineParser Parser, long Start, long End)>();
        foreach (string file in files)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"interactions file not found: {file}", file);
            using SafeFileHandle handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            long size = RandomAccess.GetLength(handle);
            long start = ContentStart(handle, file);
            LineParser parser;
            if (header)
            {
                (byte[] line, long number, long next) = FindHeader(handle, start)
                    ?? throw new DataFormatException(file, 0, "the file is empty: no header line");
                parser = parserFor(file, line, number);
                start = next;
            }
            else
            {
                parser = parserFor(file, null, 0);
            }
            foreach (var (from, to) in Segments(handle, start, size, parser))
                plan.Add((file, parser, from, to));
        }

        // A window of one segment per core is read in parallel and handed over in order, while the next
        // window is already being read: the consumer's work overlaps the parsing.
        int window = Environment.ProcessorCount;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<SegmentRows[]> ReadWindow(int first) => Task.Run(() =>
        {
            var segments = new SegmentRows[Math.Min(window, plan.Count - first)];
            // Each segment opens its own handle: Netflix's training set alone is 17,770 files.
            Parallel.For(0, segments.Length, new ParallelOptions { MaxDegreeOfParallelism = window, CancellationToken = stop.Token }, i =>
            {
                var (file, parser, from, to) = plan[first + i];
                using SafeFileHandle handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read);
                segments[i] = new SegmentRows((int)Math.Min((to - from) / 32, 1 << 24), withTimes, parser.Encoding);
                ReadSegment(handle, from, to, parser, segments[i], stop.Token);
            });
            return segments;
        });

        Task<SegmentRows[]>? reading = plan.Count > 0 ? ReadWindow(0) : null;
        try
        {
            for (int first = 0; first < plan.Count; first += window)
            {
                SegmentRows[] segments;
                try
                {
                    segments = reading!.GetAwaiter().GetResult();
                }
                catch (AggregateException e) when (e.InnerExceptions.Count > 0)
                {
                    reading = null;
                    ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
                    throw;
                }
                reading = first + window < plan.Count ? ReadWindow(first + window) : null;
                for (int i = 0; i < segments.Length; i++)
                {
                    if (segments[i].Error is { } error)
                        throw new DataFormatException(plan[first + i].File, LineNumber(plan[first + i].File, error.Offset), error.Reason);
                    segments[i].End = plan[first + i].End;
                    take(segments[i]);
                }
            }
        }
        finally
        {
            // Stopped early (an error, a cancellation): the window being read is abandoned, its files closed first.
            if (reading is not null)
            {
                stop.Cancel();
                try { reading.Wait(); } catch (AggregateException) { }
            }
        }
    }

    /// <summary>Skips a UTF-8 byte order mark; refuses UTF-16, which the byte parsers cannot read.</summary>
    private static long ContentStart(SafeFileHandle handle, string file)
    {
        Span<byte> start = stackalloc byte[3];
        int read = RandomAccess.Read(handle, start, 0);
        if (read >= 2 && ((start[0] == 0xFF && start[1] == 0xFE) || (start[0] == 0xFE && start[1] == 0xFF)))
            throw new DataFormatException(file, 0, "the file is UTF-16; save it as UTF-8");
        return read == 3 && start[0] == 0xEF && start[1] == 0xBB && start[2] == 0xBF ? 3 : 0;
    }

    /// <summary>The first non-blank line from <paramref name="start"/>, its 1-based number and where the next line starts.</summary>
    private static (byte[] Line, long Number, long Next)? FindHeader(SafeFileHandle handle, long start)
    {
        long number = 0;
        foreach (var (line, _, next) in Lines(handle, start))
        {
            number++;
            if (!Utf8Numbers.IsBlank(line)) return (line, number, next);
        }
        return null;
    }

    /// <summary>Cuts [start, size) into ranges of about <see cref="SegmentBytes"/>, each starting at a line the parser can start from.</summary>
    private static List<(long From, long To)> Segments(SafeFileHandle handle, long start, long size, LineParser parser)
    {
        var starts = new List<long> { start };
        while (starts[^1] + SegmentBytes < size)
        {
            long next = -1;
            // The first line that starts after the target offset and that the parser accepts.
            bool first = true;
            foreach (var (line, lineStart, _) in Lines(handle, starts[^1] + SegmentBytes - 1))
            {
                if (!first && parser.StartsSegment(line))
                {
                    next = lineStart;
                    break;
                }
                first = false;
            }
            if (next < 0 || next >= size) break;
            starts.Add(next);
        }
        var segments = new List<(long, long)>(starts.Count);
        for (int i = 0; i < starts.Count; i++)
            segments.Add((starts[i], i + 1 < starts.Count ? starts[i + 1] : size));
        return segments;
    }

    /// <summary>
    /// The lines from <paramref name="start"/> on (the first may be the tail of a line), without line ends, each with
    /// its offset and the offset of the next line. Only used near segment starts, so simplicity wins over speed here.
    /// </summary>
    private static IEnumerable<(byte[] Line, long Start, long Next)> Lines(SafeFileHandle handle, long start)
    {
        var buffer = new byte[1 << 16];
        var line = new List<byte>();
        long lineStart = start;
        long position = start;
        while (true)
        {
            int read = RandomAccess.Read(handle, buffer, position);
            if (read == 0)
            {
                if (line.Count > 0) yield return ([.. line], lineStart, position);
                yield break;
            }
            for (int i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    line.Add(buffer[i]);
                    continue;
                }
                yield return ([.. line], lineStart, position + i + 1);
                line.Clear();
                lineStart = position + i + 1;
            }
            position += read;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadSegment(SafeFileHandle handle, long from, long to, LineParser parser, SegmentRows rows, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(BufferBytes, to - from + 1));
        try
        {
            long bufferOffset = from; // file offset of buffer[0]
            int filled = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (filled == buffer.Length)
                {
                    // One line longer than the buffer: grow it.
                    byte[] larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                long position = bufferOffset + filled;
                int read = position >= to ? 0 : RandomAccess.Read(handle, buffer.AsSpan(filled, (int)Math.Min(buffer.Length - filled, to - position)), position);
                filled += read;
                bool atEnd = read == 0;

                ReadOnlySpan<byte> data = buffer.AsSpan(0, filled);
                int lineStart = 0;
                while (true)
                {
                    int length = data[lineStart..].IndexOf((byte)'\n');
                    if (length < 0)
                    {
                        if (!atEnd) break;
                        length = data.Length - lineStart;
                        if (length == 0) return;
                    }
                    if (!ReadLine(data.Slice(lineStart, length), bufferOffset + lineStart, parser, rows)) return;
                    lineStart += length + 1;
                    if (lineStart >= data.Length && atEnd) return;
                }
                data[lineStart..].CopyTo(buffer);
                bufferOffset += lineStart;
                filled -= lineStart;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads one line; false (with the error recorded) when it is malformed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool ReadLine(ReadOnlySpan<byte> line, long offset, LineParser parser, SegmentRows rows)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        if (Utf8Numbers.IsBlank(line)) return true;
        try
        {
            parser.Read(line, rows);
            return true;
        }
        catch (LineFormatException e)
        {
            rows.Error = (offset, e.Message);
            return false;
        }
    }

    /// <summary>The 1-based number of the line that starts at <paramref name="offset"/>; only errors need it.</summary>
    private static long LineNumber(string file, long offset)
    {
        using SafeFileHandle handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read);
        var buffer = new byte[1 << 20];
        long lines = 1;
        for (long position = 0; position < offset;)
        {
            int read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, offset - position)), position);
            if (read == 0) break;
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            position += read;
        }
        return lines;
    }
}
