using System.Globalization;
using VaeToolkit.Configuration;
using VaeToolkit.IO;

namespace VaeToolkit.Data.Caching;

/// <summary>
/// The prepared-data cache: a folder of <c>.vprep</c> files (<see cref="PreparedDatasetFile"/>) capped in size.
/// A file's modification time is its last use: writing it sets it and every cache hit moves it to the present
/// (concurrent hits just write the same "now"). After each write the least recently used files go until the
/// folder fits <see cref="MaxBytes"/>; the file just written always stays. A file open in another process is
/// never deleted: deletion first opens it exclusively, which fails while a reader holds it (a sharing violation
/// on Windows, a conflicting <c>flock</c> on Unix, where readers hold a shared one), and such a file is skipped.
/// </summary>
public sealed class PreparedDataCache
{
    /// <summary>The environment variable that sets the cap: bytes, or a number with K, M, G or T (powers of 1024).</summary>
    public const string MaxBytesVariable = "VAETOOLKIT_CACHE_MAX_BYTES";

    public const long DefaultMaxBytes = 10L << 30;

    public const string Extension = ".vprep";

    // A temporary file this old is the remains of a writer that died (a writer holds its file locked anyway).
    private static readonly TimeSpan StaleTemporaryAge = TimeSpan.FromHours(1);

    /// <param name="maxBytes">The cap; null reads <see cref="MaxBytesVariable"/>, else <see cref="DefaultMaxBytes"/>.</param>
    public PreparedDataCache(string directory, long? maxBytes = null)
    {
        Directory = Path.GetFullPath(directory);
        MaxBytes = maxBytes ?? MaxBytesFromEnvironment();
        if (MaxBytes < 0) throw new ArgumentOutOfRangeException(nameof(maxBytes), MaxBytes, "the cache cap cannot be negative");
    }

    public string Directory { get; }

    public long MaxBytes { get; }

    /// <summary>The cap that <see cref="MaxBytesVariable"/> sets, or <see cref="DefaultMaxBytes"/> when it is not set.</summary>
    /// <exception cref="ConfigException">The variable is not a size.</exception>
    public static long MaxBytesFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(MaxBytesVariable);
        if (string.IsNullOrWhiteSpace(text)) return DefaultMaxBytes;
        return ParseSize(text) ?? throw new ConfigException(ConfigErrorCodes.OutOfRange,
            $"${MaxBytesVariable} is '{text}', which is not a size in bytes (such as 10737418240, 500M or 10G)");
    }

    /// <summary>A size such as <c>1048576</c>, <c>500M</c>, <c>10G</c> or <c>1.5T</c> (powers of 1024); null when it is not one.</summary>
    public static long? ParseSize(string text)
    {
        string trimmed = text.Trim().TrimEnd('B', 'b').TrimEnd();
        int shift = trimmed.Length == 0 ? 0 : char.ToUpperInvariant(trimmed[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        if (shift > 0) trimmed = trimmed[..^1].TrimEnd();
        if (!double.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)) return null;
        double bytes = Math.Floor(value * Math.Pow(2, shift));
        return bytes is >= 0 and < long.MaxValue ? (long)bytes : null;
    }

    /// <summary>The lock file that preparations of <paramref name="dataset"/> into this folder take turns on.</summary>
    public string LockPath(string dataset) => Path.Combine(Directory, ".locks", $"{dataset}.lock");

    /// <summary>The prepared data sets, least recently used first.</summary>
    public IReadOnlyList<CacheEntry> Entries()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        return new DirectoryInfo(Directory).EnumerateFiles($"*{Extension}")
            .Select(file => new CacheEntry(CacheEntryKind.Prepared, file.Name, file.FullName, file.Length, file.LastWriteTimeUtc))
            .OrderBy(entry => entry.LastUsed).ThenBy(entry => entry.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Records a use of <paramref name="file"/>: its modification time becomes now. Best effort: a file pruned meanwhile is no error.</summary>
    public static void MarkUsed(string file)
    {
        try
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next preparation of this data set may have to start from its source; nothing else depends on it.
        }
    }

    /// <summary>
    /// Deletes stale temporary files, then the least recently used data sets until the folder holds at most
    /// <paramref name="maxBytes"/> (<see cref="MaxBytes"/> by default). <paramref name="keep"/> stays whatever its age.
    /// </summary>
    public CachePruneResult Prune(long? maxBytes = null, string? keep = null)
    {
        long cap = maxBytes ?? MaxBytes;
        RemoveStaleTemporaryFiles();
        IReadOnlyList<CacheEntry> entries = Entries();
        long total = entries.Sum(entry => entry.Bytes);
        var removed = new List<CacheEntry>();
        var inUse = new List<CacheEntry>();
        string? kept = keep is null ? null : Path.GetFullPath(keep);
        foreach (CacheEntry entry in entries)
        {
            if (total <= cap) break;
            if (string.Equals(entry.Path, kept, StringComparison.Ordinal)) continue;
            if (TryDelete(entry.Path))
            {
                removed.Add(entry);
                total -= entry.Bytes;
            }
            else if (File.Exists(entry.Path))
            {
                inUse.Add(entry);
            }
        }
        return new CachePruneResult(removed, inUse, total);
    }

    /// <summary>
    /// Deletes a file unless another handle has it open: it is opened exclusively with delete-on-close, which fails
    /// with a sharing violation while anyone reads it (on Unix, readers' shared flock blocks our exclusive one).
    /// </summary>
    /// <returns>True when the file was deleted; false when it is in use or was already gone.</returns>
    public static bool TryDelete(string path)
    {
        try
        {
            using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
            return true;
        }
        catch (IOException e) when (FileLock.IsSharingViolation(e) || e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    private void RemoveStaleTemporaryFiles()
    {
        if (!System.IO.Directory.Exists(Directory)) return;
        DateTime before = DateTime.UtcNow - StaleTemporaryAge;
        foreach (var file in new DirectoryInfo(Directory).EnumerateFiles($"*{Extension}.tmp-*"))
            if (file.LastWriteTimeUtc < before) TryDelete(file.FullName);
    }
}
