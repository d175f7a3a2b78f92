using System.Text.Json.Serialization;

namespace VaeToolkit.Data.Caching;

/// <summary>What a <see cref="CacheEntry"/> is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CacheEntryKind>))]
public enum CacheEntryKind
{
    /// <summary>A prepared data set (<c>.vprep</c>) in the prepared-data cache.</summary>
    Prepared,

    /// <summary>A downloaded data set folder (or a download left half-done) in the download cache.</summary>
    Download,
}
