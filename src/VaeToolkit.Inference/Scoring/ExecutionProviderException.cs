namespace VaeToolkit.Inference;

/// <summary>A device was asked for (such as <c>cuda:0</c>) whose ONNX Runtime execution provider could not be loaded.</summary>
public sealed class ExecutionProviderException : Exception
{
    public ExecutionProviderException(string device, string message, Exception? inner = null)
        : base(message, inner) => Device = device;

    public string Device { get; }
}
