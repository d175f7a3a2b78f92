namespace VaeToolkit.Training;

/// <summary>The configured training device (CUDA, or more GPUs than present) cannot be used.</summary>
public sealed class DeviceUnavailableException(string device, string message) : InvalidOperationException(message)
{
    public string Device { get; } = device;
}
