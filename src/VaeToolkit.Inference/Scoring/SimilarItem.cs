namespace VaeToolkit.Inference;

/// <summary>One item similar to a query item: <paramref name="Rank"/> counts from 1; <paramref name="Similarity"/> is the cosine of the two items' vectors.</summary>
public sealed record SimilarItem(string ItemId, int Rank, float Similarity, string? Name);
