namespace VaeToolkit.Data.Caching;

/// <summary>What a prune or clear of the caches did.</summary>
/// <param name="Removed">The entries deleted, least recently used first.</param>
/// <param name="InUse">Entries that were to go but were open in another process, and so were kept.</param>
/// <param name="RemainingBytes">The prepared-data cache's size afterwards.</param>
public sealed record CachePruneResult(IReadOnlyList<CacheEntry> Removed, IReadOnlyList<CacheEntry> InUse, long RemainingBytes)
{
    public long RemovedBytes => Removed.Sum(entry => entry.Bytes);
}
