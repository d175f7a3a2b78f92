namespace VaeToolkit.Inference;

/// <summary>An item id the model does not know: a "not found" for the caller to report.</summary>
public sealed class UnknownItemException(string itemId, string modelDirectory)
    : KeyNotFoundException($"item '{itemId}' is not an item of the model in '{modelDirectory}'")
{
    public string ItemId { get; } = itemId;

    public string ModelDirectory { get; } = modelDirectory;
}
