using System.Collections.Concurrent;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Runs one piece of engine work on a worker thread while the pipeline thread carries out what it
/// reports. A cmdlet may only write (progress, verbose) from the pipeline thread, so the engine's
/// progress callbacks queue their writes here and <see cref="Run{T}"/> performs them in order.
/// One instance serves one call of <see cref="Run{T}"/>.
/// </summary>
internal sealed class PipelineWorker : IDisposable
{
    private readonly BlockingCollection<Action> writes = new();

    /// <summary>A progress sink for the engine whose reports run <paramref name="write"/> on the pipeline thread.</summary>
    public IProgress<T> Report<T>(Action<T> write) => new Forwarder<T>(writes, write);

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool and performs its queued writes until it ends; then
    /// returns its result or rethrows its exception. <paramref name="stopping"/> (the cmdlet's
    /// StopProcessing) reaches the engine through the token it is given.
    /// </summary>
    public T Run<T>(Func<CancellationToken, T> work, CancellationToken stopping)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var task = Task.Run(() =>
        {
            try { return work(cancel.Token); }
            finally { writes.CompleteAdding(); }
        });
        try
        {
            foreach (var write in writes.GetConsumingEnumerable()) write();
        }
        catch
        {
            // A write failed, usually because the pipeline is stopping: stop the engine as well and
            // wait for it, so that it has closed its files (and kept its checkpoint) when we return.
            cancel.Cancel();
            try { task.Wait(); } catch (AggregateException) { }
            throw;
        }
        return task.GetAwaiter().GetResult();
    }

    public void Dispose() => writes.Dispose();

    private sealed class Forwarder<T>(BlockingCollection<Action> writes, Action<T> write) : IProgress<T>
    {
        public void Report(T value) => writes.Add(() => write(value));
    }
}
