using System.Globalization;
using System.Management.Automation;
using VaeToolkit.Data;
using VaeToolkit.Data.Caching;
using VaeToolkit.Data.Sources;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Clear-VaeCache: removes prepared data sets (and, with -Kind Download, downloaded data sets) from the
/// per-user caches: all of them, those unused for -OlderThan, or the least recently used until -MaxSize
/// bytes are left. A file another process has open is kept, with a warning.
/// </summary>
[Cmdlet(VerbsCommon.Clear, "VaeCache", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CacheEntry))]
public sealed class ClearVaeCacheCommand : PSCmdlet
{
    /// <summary>Which caches: Prepared (the default), Download, or both.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public CacheEntryKind[] Kind { get; set; } = [CacheEntryKind.Prepared];

    /// <summary>Only entries last used longer ago than this.</summary>
    [Parameter]
    public TimeSpan OlderThan { get; set; }

    /// <summary>Removes the least recently used entries until those of -Kind take at most this many bytes.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long MaxSize { get; set; }

    /// <summary>The prepared-data cache folder; by default the per-user one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PreparedPath { get; set; }

    /// <summary>The download cache folder; by default the per-user one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DownloadPath { get; set; }

    /// <summary>Writes each removed entry to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        string preparedPath = DatasetPreparer.DefaultCacheDirectory();
        string downloadPath = MovieLensSource.DefaultCacheDirectory();
        if ((PreparedPath is not null && !FileSystemPaths.TryUnresolved(SessionState.Path, PreparedPath, out preparedPath!, out ErrorRecord? error))
            || (DownloadPath is not null && !FileSystemPaths.TryUnresolved(SessionState.Path, DownloadPath, out downloadPath!, out error)))
        {
            ThrowTerminatingError(error);
            return;
        }
        TimeSpan? olderThan = MyInvocation.BoundParameters.ContainsKey(nameof(OlderThan)) ? OlderThan : null;
        long? maxSize = MyInvocation.BoundParameters.ContainsKey(nameof(MaxSize)) ? MaxSize : null;

        // The cap does not matter here; passing one keeps a malformed $VAETOOLKIT_CACHE_MAX_BYTES from stopping a clear.
        var prepared = new PreparedDataCache(preparedPath, PreparedDataCache.DefaultMaxBytes);
        CacheListing listing = DataCache.List(prepared, downloadPath);
        foreach (CacheEntry entry in DataCache.Select(listing.Entries, Kind.ToHashSet(), olderThan, maxSize, DateTime.UtcNow))
        {
            string action = string.Create(CultureInfo.InvariantCulture,
                $"Remove the {(entry.Kind == CacheEntryKind.Prepared ? "prepared data set" : "downloaded data set")} ({entry.Bytes:N0} bytes, last used {entry.LastUsed.ToLocalTime():g})");
            if (!ShouldProcess(entry.Path, action)) continue;
            try
            {
                if (DataCache.TryRemove(entry))
                {
                    if (PassThru) WriteObject(entry);
                }
                else
                {
                    WriteWarning($"Kept {entry.Path}: another process has it open.");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteError(EngineErrors.ToErrorRecord(e, entry.Path));
            }
        }
    }
}
