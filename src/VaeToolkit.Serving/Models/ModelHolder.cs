namespace VaeToolkit.Serving.Models;

/// <summary>
/// The model being served. A reload swaps in a new one atomically; a request takes a lease on the
/// current one (<see cref="Acquire"/>) and keeps using it even if another is swapped in meanwhile.
/// </summary>
public sealed class ModelHolder : IDisposable
{
    private ServedModel? current;

    /// <summary>The model now served, or null before the first one is loaded.</summary>
    public ServedModel? Current => Volatile.Read(ref current);

    /// <summary>A lease on the current model (dispose it when done), or null when none is loaded.</summary>
    public ModelLease? Acquire()
    {
        while (true)
        {
            var model = Volatile.Read(ref current);
            if (model is null) return null;
            if (model.TryAcquire()) return new ModelLease(model);
            // Retired between the read and the lease: the next read sees its successor.
        }
    }

    /// <summary>Serves <paramref name="model"/> from now on; the one before goes once its requests are answered.</summary>
    public void Swap(ServedModel model) => Interlocked.Exchange(ref current, model)?.Retire();

    public void Dispose() => Interlocked.Exchange(ref current, null)?.Retire();
}
