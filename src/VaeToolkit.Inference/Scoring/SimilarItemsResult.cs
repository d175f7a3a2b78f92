namespace VaeToolkit.Inference;

/// <summary>The outcome for one query item: its most similar items, or an <see cref="Error"/> saying why there are none (an unknown item id).</summary>
public sealed record SimilarItemsResult(string ItemId, IReadOnlyList<SimilarItem> SimilarItems, string? Error)
{
    public bool Succeeded => Error is null;

    public static SimilarItemsResult Failure(string itemId, string error) => new(itemId, [], error);
}
