using VaeToolkit.Data.Sources;

namespace VaeToolkit.Data.Caching;

/// <summary>
/// Both caches together, for listing and clearing them by hand (<c>vaetoolkit cache</c>, <c>Clear-VaeCache</c>):
/// the prepared-data cache (<see cref="PreparedDataCache"/>) and the download cache, where each downloaded data
/// set is a folder (<see cref="MovieLensSource.CacheDirectory"/>). Nothing open in another process is deleted.
/// </summary>
public static class DataCache
{
    /// <summary>Every entry of both caches, prepared data first, each kind least recently used first.</summary>
    public static CacheListing List(PreparedDataCache prepared, string downloadDirectory)
    {
        IReadOnlyList<CacheEntry> preparedEntries = prepared.Entries();
        IReadOnlyList<CacheEntry> downloads = Downloads(downloadDirectory);
        return new CacheListing(prepared.Directory, Path.GetFullPath(downloadDirectory), prepared.MaxBytes,
            preparedEntries.Sum(entry => entry.Bytes), downloads.Sum(entry => entry.Bytes), [.. preparedEntries, .. downloads]);
    }

    /// <summary>
    /// The entries to remove, least recently used first: of <paramref name="kinds"/>, those last used before
    /// <paramref name="olderThan"/> ago, then as many more of the oldest as it takes for those of <paramref name="kinds"/>
    /// to fit <paramref name="maxBytes"/>. Without either limit, every entry of <paramref name="kinds"/>.
    /// </summary>
    public static IReadOnlyList<CacheEntry> Select(IEnumerable<CacheEntry> entries, IReadOnlySet<CacheEntryKind> kinds, TimeSpan? olderThan, long? maxBytes, DateTime utcNow)
    {
        var candidates = entries.Where(entry => kinds.Contains(entry.Kind)).OrderBy(entry => entry.LastUsed).ToList();
        if (olderThan is null && maxBytes is null) return candidates;
        long total = candidates.Sum(entry => entry.Bytes);
        var selected = new List<CacheEntry>();
        foreach (CacheEntry entry in candidates)
        {
            bool old = olderThan is { } age && entry.LastUsed < utcNow - age;
            bool over = maxBytes is { } cap && total > cap;
            if (!old && !over) continue;
            selected.Add(entry);
            total -= entry.Bytes;
        }
        return selected;
    }

    /// <summary>Deletes each of <paramref name="entries"/> that is not in use (<see cref="TryRemove"/>).</summary>
    public static CachePruneResult Remove(PreparedDataCache prepared, IEnumerable<CacheEntry> entries)
    {
        var removed = new List<CacheEntry>();
        var inUse = new List<CacheEntry>();
        foreach (CacheEntry entry in entries) (TryRemove(entry) ? removed : inUse).Add(entry);
        return new CachePruneResult(removed, inUse, prepared.Entries().Sum(entry => entry.Bytes));
    }

    /// <summary>Deletes an entry unless it is in use: a prepared file as <see cref="PreparedDataCache.TryDelete"/>, a download folder only when none of its files is open.</summary>
    /// <returns>True when it was deleted (or was already gone); false when it is in use.</returns>
    public static bool TryRemove(CacheEntry entry)
    {
        if (entry.Kind == CacheEntryKind.Prepared) return PreparedDataCache.TryDelete(entry.Path) || !File.Exists(entry.Path);
        if (File.Exists(entry.Path)) return PreparedDataCache.TryDelete(entry.Path) || !File.Exists(entry.Path); // a partial download
        if (!Directory.Exists(entry.Path)) return true;
        foreach (string file in Directory.EnumerateFiles(entry.Path, "*", SearchOption.AllDirectories))
            if (IsOpen(file)) return false;
        // Renamed first, so that no reader ever finds the folder half-deleted (a data set without its names file).
        string doomed = $"{entry.Path}.deleting-{Guid.NewGuid():N}";
        try
        {
            Directory.Move(entry.Path, doomed);
        }
        catch (IOException)
        {
            return false; // Windows refuses to rename a folder with a file open in it
        }
        Directory.Delete(doomed, recursive: true);
        return true;
    }

    /// <summary>The download folders of <paramref name="directory"/> (and downloads left half-done), least recently used first.</summary>
    public static IReadOnlyList<CacheEntry> Downloads(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        var root = new DirectoryInfo(directory);
        var entries = new List<CacheEntry>();
        foreach (var folder in root.EnumerateDirectories().Where(folder => !folder.Name.StartsWith('.')))
        {
            var files = folder.EnumerateFiles("*", SearchOption.AllDirectories).ToList();
            DateTime lastUsed = files.Select(file => file.LastWriteTimeUtc).DefaultIfEmpty(folder.LastWriteTimeUtc).Max();
            entries.Add(new CacheEntry(CacheEntryKind.Download, folder.Name, folder.FullName, files.Sum(file => file.Length), lastUsed));
        }
        foreach (var file in root.EnumerateFiles("*.partial-*"))
            entries.Add(new CacheEntry(CacheEntryKind.Download, file.Name, file.FullName, file.Length, file.LastWriteTimeUtc));
        return entries.OrderBy(entry => entry.LastUsed).ThenBy(entry => entry.Name, StringComparer.Ordinal).ToList();
    }

    private static bool IsOpen(string file)
    {
        try
        {
            using (new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.None, 1))
            {
            }
            return false;
        }
        catch (IOException e) when (IO.FileLock.IsSharingViolation(e))
        {
            return true;
        }
    }
}
