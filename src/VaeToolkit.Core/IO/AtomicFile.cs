namespace VaeToolkit.IO;

/// <summary>
/// Writes files under a temporary name and renames them into place, so that a crash or an error
/// half-way never leaves a truncated artifact where a good one used to be.
/// </summary>
public static class AtomicFile
{
    private const string TemporaryMarker = ".tmp-";

    /// <summary>Whether <paramref name="path"/> is one of the temporary files this class writes (a killed process leaves them).</summary>
    public static bool IsTemporary(string path)
    {
        string name = Path.GetFileName(path);
        int at = name.LastIndexOf(TemporaryMarker, StringComparison.Ordinal);
        if (at <= 0) return false;
        string[] parts = name[(at + TemporaryMarker.Length)..].Split('-');
        return parts.Length == 2 && parts[0].Length > 0 && parts[0].All(char.IsAsciiDigit) && parts[1].Length == 32 && parts[1].All(char.IsAsciiHexDigitLower);
    }

    /// <summary>A fresh temporary name beside <paramref name="fullPath"/>: the path, <c>.tmp-</c>, the process id and a GUID.</summary>
    public static string TemporaryPath(string fullPath) => $"{fullPath}{TemporaryMarker}{Environment.ProcessId}-{Guid.NewGuid():N}";

    public static void Write(string path, Action<Stream> write)
    {
        string fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        string temporary = TemporaryPath(fullPath);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                FailPoint.Check("write:" + Path.GetFileName(fullPath));
                stream.Flush(flushToDisk: true);
            }
            FailPoint.Check("rename:" + Path.GetFileName(fullPath));
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch (IOException e) when (e.GetType() == typeof(IOException))
        {
            // A full disk or a read-only folder names the temporary file; say which file could not be written.
            throw new IOException($"could not write {fullPath}: {e.Message}", e);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(text);
        });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }
}
