using Microsoft.AspNetCore.Http.HttpResults;

namespace VaeToolkit.Serving.Api;

/// <summary>RFC 9457 problem answers (<c>application/problem+json</c>); a client error names the field it is about.</summary>
public static class Problems
{
    public static ProblemHttpResult BadRequest(string field, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
            extensions: new Dictionary<string, object?> { ["field"] = field });

    public static ProblemHttpResult NotFound(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: title);

    public static ProblemHttpResult NoModel() =>
        TypedResults.Problem("no model is loaded yet; /healthz/ready says when one is", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready");

    public static ProblemHttpResult Status(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);
}
