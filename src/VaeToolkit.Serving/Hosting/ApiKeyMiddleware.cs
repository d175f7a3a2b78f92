using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace VaeToolkit.Serving.Hosting;

/// <summary>
/// With an API key set, /v1 and the OpenAPI document need it in <see cref="ServerOptions.ApiKeyHeader"/>.
/// Health and metrics stay open: probes and scrapers carry no key, and they reveal no user data.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ServerOptions options)
{
    private readonly byte[]? key = options.ApiKey is null ? null : Encoding.UTF8.GetBytes(options.ApiKey);

    public async Task InvokeAsync(HttpContext context)
    {
        if (key is null || !(context.Request.Path.StartsWithSegments("/v1") || context.Request.Path.StartsWithSegments("/openapi")))
        {
            await next(context);
            return;
        }
        string? given = context.Request.Headers[ServerOptions.ApiKeyHeader];
        if (given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), key))
        {
            await next(context);
            return;
        }
        ProblemHttpResult problem = TypedResults.Problem($"send the service's API key in the {ServerOptions.ApiKeyHeader} header",
            statusCode: StatusCodes.Status401Unauthorized, title: given is null ? "API key missing" : "API key wrong");
        await problem.ExecuteAsync(context);
    }
}
