namespace VaeToolkit.Data.Caching;

/// <summary>The contents of the prepared-data and download caches, least recently used first.</summary>
/// <param name="MaxBytes">The prepared-data cache's cap (<see cref="PreparedDataCache.MaxBytesVariable"/>).</param>
public sealed record CacheListing(string PreparedDirectory, string DownloadDirectory, long MaxBytes, long PreparedBytes, long DownloadBytes,
    IReadOnlyList<CacheEntry> Entries);
