using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using VaeToolkit.Serving.Api.Contracts;
using VaeToolkit.Serving.Hosting;
using VaeToolkit.Serving.Models;
using VaeToolkit.Serving.Scoring;

namespace VaeToolkit.Serving.Api;

/// <summary><c>POST /v1/recommendations</c> (one user) and <c>POST /v1/recommendations/batch</c> (many).</summary>
public static class RecommendationEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/recommendations", RecommendAsync)
            .WithName("Recommend")
            .WithSummary("Top-k items for a known user or for a new user's history")
            .Accepts<RecommendationRequest>("application/json");
        v1.MapPost("/recommendations/batch", RecommendBatchAsync)
            .WithName("RecommendBatch")
            .WithSummary("Top-k items for many users in one request (an unknown user fails alone)")
            .Accepts<BatchRecommendationRequest>("application/json");
    }

    private static async Task<Results<Ok<RecommendationResponse>, ProblemHttpResult>> RecommendAsync(HttpContext context, ModelHolder models, ServerOptions options)
    {
        var (request, problem) = await RequestBody.ReadAsync<RecommendationRequest>(context);
        if (problem is not null) return problem;
        using var lease = models.Acquire();
        if (lease is null) return Problems.NoModel();
        var (query, invalid) = QueryValidator.Validate(request!, options.MaxK, lease.Model.CanIncludeSeen);
        if (invalid is not null) return invalid;

        var response = await QueryScorer.RecommendAsync(lease.Model, query!);
        return response is null ? UnknownUser(lease.Model, query!.UserId!) : TypedResults.Ok(response);
    }

    private static async Task<Results<Ok<BatchRecommendationResponse>, ProblemHttpResult>> RecommendBatchAsync(HttpContext context, ModelHolder models, ServerOptions options)
    {
        var (batch, problem) = await RequestBody.ReadAsync<BatchRecommendationRequest>(context);
        if (problem is not null) return problem;
        if (batch!.Requests is not { } requests) return Problems.BadRequest("$.requests", "$.requests: give the requests as an array");
        if (requests.Count > options.MaxBatchRequests)
            return Problems.BadRequest("$.requests", $"$.requests: {requests.Count} requests; at most {options.MaxBatchRequests} per batch (--max-batch-requests)");

        using var lease = models.Acquire();
        if (lease is null) return Problems.NoModel();
        var queries = new RecommendationQuery[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            if (requests[i] is null) return Problems.BadRequest($"$.requests[{i}]", $"$.requests[{i}] is null");
            var (query, invalid) = QueryValidator.Validate(requests[i], options.MaxK, lease.Model.CanIncludeSeen, $"$.requests[{i}]");
            if (invalid is not null) return invalid;
            queries[i] = query!;
        }

        // Submitted together, the users reach the micro-batcher at once and share its calls.
        var answers = await Task.WhenAll(queries.Select(query => QueryScorer.RecommendAsync(lease.Model, query)));
        var results = new BatchRecommendationResult[answers.Length];
        for (int i = 0; i < answers.Length; i++)
        {
            results[i] = answers[i] is { } answer
                ? new BatchRecommendationResult(StatusCodes.Status200OK, answer, null)
                : new BatchRecommendationResult(StatusCodes.Status404NotFound, null, new ProblemDetails
                {
                    Status = StatusCodes.Status404NotFound,
                    Title = "Unknown user",
                    Detail = UnknownUserDetail(lease.Model, queries[i].UserId!),
                });
        }
        return TypedResults.Ok(new BatchRecommendationResponse(lease.Model.Version, results));
    }

    private static ProblemHttpResult UnknownUser(ServedModel model, string userId) =>
        Problems.NotFound("Unknown user", UnknownUserDetail(model, userId));

    private static string UnknownUserDetail(ServedModel model, string userId) =>
        $"user '{userId}' is not a known user of model version {model.Version}; send the user's history as items instead";
}
