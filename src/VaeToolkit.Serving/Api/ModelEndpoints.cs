using Microsoft.AspNetCore.Http.HttpResults;
using VaeToolkit.Serving.Api.Contracts;
using VaeToolkit.Serving.Models;

namespace VaeToolkit.Serving.Api;

/// <summary><c>GET /v1/model</c>: the model card of the version being served.</summary>
public static class ModelEndpoints
{
    public static void Map(RouteGroupBuilder v1) =>
        v1.MapGet("/model", Describe)
            .WithName("Model")
            .WithSummary("The served model: version, folder and model card (type, data hash, best epoch, metrics)");

    private static Results<Ok<ModelResponse>, ProblemHttpResult> Describe(ModelHolder models)
    {
        using var lease = models.Acquire();
        if (lease is null) return Problems.NoModel();
        var model = lease.Model;
        return TypedResults.Ok(new ModelResponse(model.Version, model.Bundle.Directory, model.LoadedUtc, model.Bundle.UserIds.Count,
            model.CanIncludeSeen, model.HasItemEmbeddings, model.Bundle.Card));
    }
}
