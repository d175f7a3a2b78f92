namespace VaeToolkit.Serving.Api.Contracts;

/// <summary>The answers to a <see cref="BatchRecommendationRequest"/>, in request order.</summary>
public sealed record BatchRecommendationResponse(string ModelVersion, IReadOnlyList<BatchRecommendationResult> Results);
