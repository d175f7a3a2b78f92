namespace VaeToolkit.Serving.Api.Contracts;

/// <summary><c>GET /v1/items/{id}/similar</c>: the nearest items by cosine similarity of the model's item vectors.</summary>
public sealed record SimilarItemsResponse(string ItemId, string ModelVersion, IReadOnlyList<RecommendedItem> Items);
