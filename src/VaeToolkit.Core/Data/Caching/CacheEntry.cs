namespace VaeToolkit.Data.Caching;

/// <summary>One item of the toolkit's caches: a prepared data set file or a downloaded data set folder.</summary>
/// <param name="Name">The file name of a prepared data set; the data set name of a download.</param>
/// <param name="Bytes">The file's size, or the sum of the folder's files.</param>
/// <param name="LastUsed">UTC. A prepared file's modification time, which every cache hit moves to the present; a download's newest file time.</param>
public sealed record CacheEntry(CacheEntryKind Kind, string Name, string Path, long Bytes, DateTime LastUsed);
