namespace VaeToolkit.Serving.Models;

/// <summary>A request's hold on one model version (<see cref="ModelHolder.Acquire"/>): the model stays loaded until it is disposed.</summary>
public sealed class ModelLease(ServedModel model) : IDisposable
{
    private int released;

    public ServedModel Model { get; } = model;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 0) Model.Release();
    }
}
