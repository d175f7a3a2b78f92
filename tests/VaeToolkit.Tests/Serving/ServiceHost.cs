using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VaeToolkit.Serving.Hosting;
using VaeToolkit.Tests.Inference;

namespace VaeToolkit.Tests.Serving;

/// <summary>
/// The real service on an ephemeral loopback port over a <see cref="TestModel"/> (or any model path),
/// with an <see cref="HttpClient"/> pointed at it.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly TestModel? ownedModel;

    private ServiceHost(VaeServer server, TestModel? ownedModel, string? apiKey)
    {
        Server = server;
        this.ownedModel = ownedModel;
        Http = new HttpClient { BaseAddress = new Uri(server.Urls[0]) };
        if (apiKey is not null) Http.DefaultRequestHeaders.Add(ServerOptions.ApiKeyHeader, apiKey);
    }

    public VaeServer Server { get; }

    public HttpClient Http { get; }

    public TestModel Model => ownedModel ?? throw new InvalidOperationException("this host serves a model it was given");

    public static Task<ServiceHost> StartAsync(Func<ServerOptions, ServerOptions>? configure = null) =>
        StartAsync(TestModel.Create(), owned: true, configure);

    public static async Task<ServiceHost> StartAsync(TestModel model, bool owned, Func<ServerOptions, ServerOptions>? configure = null, string? modelPath = null)
    {
        var options = new ServerOptions { ModelPath = modelPath ?? model.ModelDirectory, Urls = "http://127.0.0.1:0", ReloadPollInterval = TimeSpan.Zero };
        if (configure is not null) options = configure(options);
        var server = await VaeServer.StartAsync(options, logging => { }, TestContext.Current.CancellationToken);
        var host = new ServiceHost(server, owned ? model : null, options.ApiKey);
        await host.WaitUntilReadyAsync();
        return host;
    }

    public async Task WaitUntilReadyAsync()
    {
        for (int i = 0; i < 600; i++)
        {
            using var response = await Http.GetAsync("/healthz/ready", TestContext.Current.CancellationToken);
            if (response.IsSuccessStatusCode) return;
            if (Server.Reloader.StartupError is { } error) throw new InvalidOperationException("the service could not load its model", error);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException("the service did not become ready in 30 s");
    }

    /// <summary>POSTs raw JSON and returns the status, the content type and the parsed body.</summary>
    public async Task<(int Status, string? ContentType, JsonNode? Body)> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(path, content, TestContext.Current.CancellationToken);
        return await Read(response);
    }

    public async Task<(int Status, string? ContentType, JsonNode? Body)> GetAsync(string path)
    {
        using var response = await Http.GetAsync(path, TestContext.Current.CancellationToken);
        return await Read(response);
    }

    public static string[] Ids(JsonNode? items) => [.. items!.AsArray().Select(item => (string)item!["id"]!)];

    private static async Task<(int, string?, JsonNode?)> Read(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        JsonNode? body = null;
        try
        {
            if (text.Length > 0) body = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
        }
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        ownedModel?.Dispose();
    }
}
