using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using VaeToolkit.Inference;
using VaeToolkit.Serving.Api.Contracts;
using VaeToolkit.Serving.Hosting;
using VaeToolkit.Serving.Models;

namespace VaeToolkit.Serving.Api;

/// <summary><c>GET /v1/items/{id}/similar?k=</c>: item-to-item neighbours by cosine of the model's item vectors.</summary>
public static class ItemEndpoints
{
    public static void Map(RouteGroupBuilder v1) =>
        v1.MapGet("/items/{id}/similar", Similar)
            .WithName("SimilarItems")
            .WithSummary("The k items most similar to an item (cosine of the model's item vectors)");

    private static Results<Ok<SimilarItemsResponse>, ProblemHttpResult> Similar(string id, string? k, ModelHolder models, ServerOptions options)
    {
        int count = QueryValidator.DefaultK;
        if (k is not null && (!int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1 || count > options.MaxK))
            return Problems.BadRequest("k", $"k must be a whole number from 1 to {options.MaxK}, not '{k}'");
        using var lease = models.Acquire();
        if (lease is null) return Problems.NoModel();
        var model = lease.Model;
        if (!model.HasItemEmbeddings)
        {
            return Problems.Status(StatusCodes.Status501NotImplemented, "No item vectors",
                $"model version {model.Version} has no item vectors (it was exported before item similarity existed); train or export it again");
        }
        if (!model.Bundle.Items.TryGetIndex(id, out _))
            return Problems.NotFound("Unknown item", $"item '{id}' is not an item of model version {model.Version}");

        var similar = model.Similarity.Similar(id, count);
        return TypedResults.Ok(new SimilarItemsResponse(id, model.Version, [.. similar.Select(s => new RecommendedItem(s.ItemId, s.Similarity, s.Name))]));
    }
}
