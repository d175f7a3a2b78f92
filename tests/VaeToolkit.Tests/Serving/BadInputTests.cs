using System.Net.Http.Headers;
using System.Text;

namespace VaeToolkit.Tests.Serving;

/// <summary>Bad requests get 4xx problem+json naming the field; never a 500.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private ServiceHost host = null!;

    public async ValueTask InitializeAsync() => host = await ServiceHost.StartAsync(options => options with { MaxK = 50, MaxBodyBytes = 4096, MaxBatchRequests = 3 });

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Theory]
    [InlineData("""{"user_id": "u1", "k": "ten"}""", "$.k", "whole number")]
    [InlineData("""{"user_id": "u1", "k": 0}""", "$.k", "from 1 to 50")]
    [InlineData("""{"user_id": "u1", "k": 51}""", "$.k", "from 1 to 50")]
    [InlineData("""{"user_id": "u1", "k": 2.5}""", "$.k", "whole number")]
    [InlineData("""{"user_id": 17}""", "$.user_id", "a string")]
    [InlineData("""{"items": "m7"}""", "$.items", "array")]
    [InlineData("""{"items": ["m7", 3]}""", "$.items[1]", "a string")]
    [InlineData("""{"items": ["m7", null]}""", "$.items[1]", "null")]
    [InlineData("""{"user_id": "u1", "exclude_seen": "yes"}""", "$.exclude_seen", "true or false")]
    [InlineData("""{"user_id": "u1", "kk": 3}""", "$.kk", "kk")]
    [InlineData("""{"user_id": "u1", "items": ["m7"]}""", "$.user_id", "not both")]
    [InlineData("""{}""", "$.user_id", "give user_id")]
    [InlineData("""{"user_id": ""}""", "$.user_id", "empty")]
    [InlineData("""{"user_id": "u1", "deny_items": [null]}""", "$.deny_items[0]", "null")]
    [InlineData("""{"user_id": "u1", """, "$", "")]
    [InlineData("""not json""", "$", "")]
    [InlineData("""null""", "$", "null")]
    [InlineData("""[1, 2]""", "$", "")]
    public async Task BadRecommendationRequest_Is400NamingTheField(string json, string field, string detail)
    {
        var (status, contentType, body) = await host.PostAsync("/v1/recommendations", json);

        Assert.Equal(400, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal(field, (string?)body!["field"]);
        Assert.Contains(detail, (string?)body["detail"]);
    }

    [Theory]
    [InlineData("""{"requests": [{"user_id": "u1"}, {"user_id": "u2", "k": -1}]}""", "$.requests[1].k")]
    [InlineData("""{"requests": [{"user_id": "u1"}, null]}""", "$.requests[1]")]
    [InlineData("""{"requests": [{}, {}, {}, {}]}""", "$.requests")]
    [InlineData("""{}""", "$.requests")]
    [InlineData("""{"requests": [{"user_id": "u1", "k": true}]}""", "$.requests[0].k")]
    public async Task BadBatchRequest_Is400NamingTheField(string json, string field)
    {
        var (status, contentType, body) = await host.PostAsync("/v1/recommendations/batch", json);

        Assert.Equal(400, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal(field, (string?)body!["field"]);
    }

    [Fact]
    public async Task OversizedBody_Is413()
    {
        string json = $$"""{"items": [{{string.Join(", ", Enumerable.Repeat("\"m7\"", 2000))}}]}""";

        var (status, contentType, body) = await host.PostAsync("/v1/recommendations", json);

        Assert.Equal(413, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Contains("4096 bytes", (string?)body!["detail"]);
    }

    [Fact]
    public async Task OversizedChunkedBody_Is413()
    {
        // No Content-Length: Kestrel only finds out while reading.
        string json = $$"""{"items": [{{string.Join(", ", Enumerable.Repeat("\"m7\"", 2000))}}]}""";
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/recommendations") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await host.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(413, (int)response.StatusCode);
    }

    [Fact]
    public async Task NotJsonContentType_Is415()
    {
        using var content = new StringContent("""{"user_id": "u1"}""", Encoding.UTF8, "text/plain");
        using var response = await host.Http.PostAsync("/v1/recommendations", content, TestContext.Current.CancellationToken);

        Assert.Equal(415, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/v1/items/m7/similar?k=0")]
    [InlineData("/v1/items/m7/similar?k=51")]
    [InlineData("/v1/items/m7/similar?k=many")]
    public async Task BadSimilarK_Is400(string path)
    {
        var (status, contentType, body) = await host.GetAsync(path);

        Assert.Equal(400, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal("k", (string?)body!["field"]);
    }

    [Fact]
    public async Task UnknownRouteAndWrongMethod_AreProblemJson()
    {
        var (missing, missingType, _) = await host.GetAsync("/v1/nothing-here");
        var (wrongMethod, wrongType, _) = await host.GetAsync("/v1/recommendations");

        Assert.Equal(404, missing);
        Assert.Equal("application/problem+json", missingType);
        Assert.Equal(405, wrongMethod);
        Assert.Equal("application/problem+json", wrongType);
    }
}
