using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace VaeToolkit.Serving.Api;

/// <summary>
/// Reads a JSON body itself rather than through parameter binding, so that every way a body can be
/// wrong gets a problem answer naming the field: not JSON, a wrong type, an unknown field, too large.
/// </summary>
public static class RequestBody
{
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpContext context) where T : class
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "send the body as JSON with Content-Type: application/json"));
        }
        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            var value = await request.ReadFromJsonAsync<T>(json, context.RequestAborted).ConfigureAwait(false);
            return value is null ? (null, Problems.BadRequest("$", "the body is JSON null; send an object")) : (value, null);
        }
        catch (JsonException e)
        {
            string field = e.Path is { Length: > 0 } path ? path : "$";
            return (null, Problems.BadRequest(field, $"{field}: {Explain(e.Message)}"));
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Kestrel cancels reads of bodies still arriving when the service stops.
            return (null, Problems.Status(StatusCodes.Status503ServiceUnavailable, "Stopping", "the service stopped while the body was still arriving; send it again"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            long? limit = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            return (null, Problems.Status(StatusCodes.Status413PayloadTooLarge, "Body too large",
                $"the body is larger than the {limit} bytes this service accepts (--max-body-bytes)"));
        }
    }

    /// <summary>
    /// System.Text.Json's message without its "Path: ... | LineNumber: ..." tail (the field is reported on its
    /// own), and with a wrong type said in JSON's words rather than .NET's.
    /// </summary>
    private static string Explain(string message)
    {
        int end = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (end >= 0) message = message[..end];
        if (!message.Contains("could not be converted to", StringComparison.Ordinal)) return message;
        string expected = message switch
        {
            _ when message.Contains("Int32", StringComparison.Ordinal) => "a whole number",
            _ when message.Contains("Boolean", StringComparison.Ordinal) => "true or false",
            _ when message.Contains("List", StringComparison.Ordinal) => "an array of strings",
            _ when message.Contains("String", StringComparison.Ordinal) => "a string",
            _ => "a value of another type",
        };
        return $"wrong type: expected {expected}";
    }
}
