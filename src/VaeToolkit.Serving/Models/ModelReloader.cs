using VaeToolkit.Serving.Hosting;
using VaeToolkit.Serving.Metrics;

namespace VaeToolkit.Serving.Models;

/// <summary>
/// Loads the first model, then follows the model path: scripts/Update-VaeModel.ps1 promotes by renaming
/// a new link over it, which a file system watcher on its parent folder reports at once; a poll every
/// <see cref="ServerOptions.ReloadPollInterval"/> also catches what watchers miss (network file systems,
/// a model exported again in place). A new model is loaded and warmed up beside the one serving, then
/// swapped in; one that fails to load is logged and counted, and the old one keeps serving. A failed
/// version is not tried again until the path names something else.
/// </summary>
public sealed class ModelReloader(ServerOptions options, ModelHolder holder, ServingMetrics metrics, IHostApplicationLifetime lifetime, ILogger<ModelReloader> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim changed = new(0);
    private readonly Lock checking = new();
    private ModelIdentity? failed;

    /// <summary>Why the first model could not be loaded (the service then stops), or null.</summary>
    public Exception? StartupError { get; private set; }

    /// <summary>Loads the model the path names now when it differs from the one served: true when a new one was swapped in.</summary>
    public bool CheckNow()
    {
        lock (checking)
        {
            ModelIdentity identity;
            try
            {
                identity = ModelIdentity.Of(options.ModelPath);
            }
            catch (Exception e) when (holder.Current is not null && e is IOException or UnauthorizedAccessException or Runs.ModelBundleException)
            {
                // Missing for an instant (a junction switch on Windows) or gone: keep serving, look again later.
                logger.LogDebug("model path {Path} cannot be resolved now: {Message}", options.ModelPath, e.Message);
                return false;
            }
            if (identity == holder.Current?.Identity || identity == failed) return false;

            try
            {
                var model = ServedModel.Load(options.ModelPath, options, metrics.ObserveBatch);
                bool isReload = holder.Current is not null;
                holder.Swap(model);
                metrics.ModelLoaded(model, isReload);
                failed = null;
                logger.LogInformation("serving model version {Version} from {Directory}", model.Version, model.Bundle.Directory);
                return true;
            }
            catch (Exception e) when (holder.Current is not null)
            {
                failed = identity;
                metrics.ReloadFailed();
                logger.LogError("refused the new model in {Directory}; version {Version} keeps serving: {Message}",
                    identity.Directory, holder.Current.Version, e.Message);
                return false;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Run(CheckNow, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            StartupError = e;
            logger.LogCritical("cannot serve the model at {Path}: {Message}", options.ModelPath, e.Message);
            // Once started: a stop while Kestrel is still binding would fail the start instead, without the reason.
            lifetime.ApplicationStarted.Register(lifetime.StopApplication);
            return;
        }
        if (options.ReloadPollInterval <= TimeSpan.Zero) return;

        using var watcher = Watch();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await changed.WaitAsync(options.ReloadPollInterval, stoppingToken))
                {
                    // A promotion is a burst of events (link made, renamed); let it settle.
                    await Task.Delay(TimeSpan.FromMilliseconds(100), stoppingToken);
                    while (changed.CurrentCount > 0) await changed.WaitAsync(stoppingToken);
                }
                await Task.Run(CheckNow, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "checking {Path} for a new model failed", options.ModelPath);
            }
        }
    }

    /// <summary>A watcher on the folder holding the model path, for changes to that name; null where the folder cannot be watched (polling still works).</summary>
    private FileSystemWatcher? Watch()
    {
        string path = Path.GetFullPath(options.ModelPath).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        try
        {
            var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path))
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.CreationTime,
            };
            FileSystemEventHandler signal = (_, _) => changed.Release();
            watcher.Created += signal;
            watcher.Changed += signal;
            watcher.Deleted += signal;
            watcher.Renamed += (_, _) => changed.Release();
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
        {
            logger.LogWarning("cannot watch {Path} for new models ({Message}); polling every {Interval}", path, e.Message, options.ReloadPollInterval);
            return null;
        }
    }

    public override void Dispose()
    {
        changed.Dispose();
        base.Dispose();
    }
}
