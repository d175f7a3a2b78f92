namespace VaeToolkit.Serving.Api.Contracts;

/// <summary>
/// One ranked item. <see cref="Score"/> is the model's logit, or the training popularity (a count) when
/// the answer is the popularity ranking, or the cosine similarity for similar items.
/// </summary>
public sealed record RecommendedItem(string Id, float Score, string? Name);
