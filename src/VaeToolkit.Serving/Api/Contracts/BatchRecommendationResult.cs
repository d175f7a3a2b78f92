using Microsoft.AspNetCore.Mvc;

namespace VaeToolkit.Serving.Api.Contracts;

/// <summary>One user's outcome in a batch: status 200 with the recommendation, or 404 with the problem (an unknown user).</summary>
public sealed record BatchRecommendationResult(int Status, RecommendationResponse? Recommendation, ProblemDetails? Problem);
