using System.Net.Sockets;
using System.Text;
using VaeToolkit.Runs;
using VaeToolkit.Serving.Hosting;
using VaeToolkit.Serving.Models;
using VaeToolkit.Tests.Inference;

namespace VaeToolkit.Tests.Serving;

/// <summary>API keys, hot reload through the promotion link, refusing a broken model, startup failure and graceful shutdown.</summary>
public sealed class ServiceLifecycleTests
{
    [Fact]
    public async Task ApiKey_GuardsTheApi_NotHealthOrMetrics()
    {
        await using var host = await ServiceHost.StartAsync(options => options with { ApiKey = "s3cret" });
        using var anonymous = new HttpClient { BaseAddress = host.Http.BaseAddress };
        using var wrong = new HttpClient { BaseAddress = host.Http.BaseAddress };
        wrong.DefaultRequestHeaders.Add(ServerOptions.ApiKeyHeader, "guess");
        var cancel = TestContext.Current.CancellationToken;

        Assert.Equal(401, (int)(await anonymous.GetAsync("/v1/model", cancel)).StatusCode);
        Assert.Equal(401, (int)(await wrong.GetAsync("/v1/model", cancel)).StatusCode);
        Assert.Equal(401, (int)(await anonymous.GetAsync("/openapi/v1.json", cancel)).StatusCode);
        Assert.Equal(200, (int)(await host.Http.GetAsync("/v1/model", cancel)).StatusCode);
        Assert.Equal(200, (int)(await anonymous.GetAsync("/healthz/ready", cancel)).StatusCode);
        Assert.Equal(200, (int)(await anonymous.GetAsync("/metrics", cancel)).StatusCode);
    }

    [Fact]
    public async Task Promotion_IsPickedUp_AndABrokenModelIsRefusedWhileTheOldOneServes()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "the promotion link is a symbolic link");
        using var first = TestModel.Create();
        using var second = TestModel.Create();
        using var serving = new TemporaryDirectory();
        string versions = serving.Combine("current.versions");
        Directory.CreateDirectory(versions);
        CopyModel(first.ModelDirectory, Path.Combine(versions, "v1"));
        string link = serving.Combine("current");
        Directory.CreateSymbolicLink(link, Path.Combine("current.versions", "v1"));

        await using var host = await ServiceHost.StartAsync(first, owned: false, options => options with { ReloadPollInterval = TimeSpan.FromMilliseconds(200) }, link);
        Assert.Equal("v1", (string?)(await host.GetAsync("/v1/model")).Body!["version"]);
        using var oldLease = host.Server.Models.Acquire()!; // an "in-flight request" on v1

        // A good new version: promoted the script's way, a new link renamed over the old one.
        CopyModel(second.ModelDirectory, Path.Combine(versions, "v2"));
        Switch(serving, "v2");
        await WaitForVersion(host, "v2");
        Assert.Equal(200, (await host.PostAsync("/v1/recommendations", """{"user_id": "u1"}""")).Status);
        // The request that started on v1 still has a working v1.
        Assert.Equal("v1", oldLease.Model.Version);
        var answer = await VaeToolkit.Serving.Scoring.QueryScorer.RecommendAsync(oldLease.Model, new("u1", null, 3, true, null, null));
        Assert.Equal(3, answer!.Items.Count);

        // A broken one: the graph does not match the hash its card records.
        CopyModel(second.ModelDirectory, Path.Combine(versions, "v3"));
        File.WriteAllBytes(Path.Combine(versions, "v3", ModelFiles.Recommender), [1, 2, 3]);
        Switch(serving, "v3");
        await WaitUntil(() => ServiceEndpointTests.Sample(Metrics(host), "vaetoolkit_model_reloads_total", "result=\"failed\"") == 1);
        Assert.Equal("v2", (string?)(await host.GetAsync("/v1/model")).Body!["version"]);
        Assert.Equal(200, (await host.PostAsync("/v1/recommendations", """{"user_id": "u1"}""")).Status);
        Assert.Equal(200, (int)(await host.Http.GetAsync("/healthz/ready", TestContext.Current.CancellationToken)).StatusCode);
        string metrics = Metrics(host);
        Assert.Equal(1, ServiceEndpointTests.Sample(metrics, "vaetoolkit_model_reloads_total", "result=\"loaded\""));
        Assert.Equal(1, ServiceEndpointTests.Sample(metrics, "vaetoolkit_model_info", "version=\"v2\""));
        Assert.DoesNotContain("version=\"v1\"", metrics);

        // Fixed: a good version after the broken one is served.
        CopyModel(first.ModelDirectory, Path.Combine(versions, "v4"));
        Switch(serving, "v4");
        await WaitForVersion(host, "v4");
    }

    [Fact]
    public async Task RetiredModel_IsDisposedOnlyWhenItsLastRequestIsDone()
    {
        using var model = TestModel.Create();
        var options = new ServerOptions { ModelPath = model.ModelDirectory };
        using var holder = new ModelHolder();
        holder.Swap(ServedModel.Load(model.ModelDirectory, options, null));
        using var lease = holder.Acquire()!;

        holder.Swap(ServedModel.Load(model.ModelDirectory, options, null));

        Assert.NotSame(lease.Model, holder.Current);
        var answer = await VaeToolkit.Serving.Scoring.QueryScorer.RecommendAsync(lease.Model, new("u2", null, 4, true, null, null));
        Assert.Equal(4, answer!.Items.Count);
        lease.Dispose();
        Assert.False(lease.Model.TryAcquire()); // gone: no new request can take it
        await Assert.ThrowsAsync<ObjectDisposedException>(() => lease.Model.Batcher.ScoreAsync([1], 3, true));
    }

    [Fact]
    public async Task AModelThatCannotBeServed_StopsTheServiceWithTheReason()
    {
        using var model = TestModel.Create();
        File.WriteAllText(model.PathOf(ModelFiles.Items), "garbage");
        var options = new ServerOptions { ModelPath = model.ModelDirectory, Urls = "http://127.0.0.1:0" };

        await using var server = await VaeServer.StartAsync(options, logging => { }, TestContext.Current.CancellationToken);
        var stopped = server.WaitForShutdownAsync(TestContext.Current.CancellationToken);

        Assert.Same(stopped, await Task.WhenAny(stopped, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)));
        Assert.Contains(ModelFiles.Items, server.Reloader.StartupError!.Message);
    }

    [Fact]
    public async Task Stop_UnderLoad_AnswersEveryAcceptedRequest_AndNeverFailsOne()
    {
        await using var host = await ServiceHost.StartAsync();
        var address = host.Http.BaseAddress!;
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<string>();
        var stop = new CancellationTokenSource();

        async Task Client(int id)
        {
            using var http = new HttpClient { BaseAddress = address };
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var content = new StringContent($$"""{"user_id": "u{{id % 10}}", "k": 5}""", Encoding.UTF8, "application/json");
                    using var response = await http.PostAsync("/v1/recommendations", content);
                    string body = await response.Content.ReadAsStringAsync();
                    // A complete answer: its JSON parses and, for a 200, holds the five items.
                    var json = System.Text.Json.Nodes.JsonNode.Parse(body)!;
                    outcomes.Add((int)response.StatusCode == 200 && json["items"]!.AsArray().Count == 5 ? "200" : $"{(int)response.StatusCode}: {body}");
                }
                catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded)
                {
                    // Refused: the listener is closed. Ended: an idle keep-alive connection was closed as the request
                    // was sent on it (no byte of an answer came: the service never took the request).
                    outcomes.Add("refused");
                    await Task.Delay(10);
                }
            }
        }

        var clients = Enumerable.Range(0, 16).Select(Client).ToArray();
        await Task.Delay(500, TestContext.Current.CancellationToken);
        await host.Server.StopAsync().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        stop.Cancel();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Contains("200", outcomes);
        Assert.Contains("refused", outcomes);
        Assert.All(outcomes, outcome => Assert.True(outcome is "200" or "refused" || outcome.StartsWith("503", StringComparison.Ordinal), outcome));
    }

    [Fact]
    public async Task Stop_WhileABodyIsArriving_AnswersIt_WithoutA500()
    {
        await using var host = await ServiceHost.StartAsync();
        var address = host.Http.BaseAddress!;
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        byte[] body = Encoding.UTF8.GetBytes("""{"user_id": "u1", "k": 3}""");
        string head = $"POST /v1/recommendations HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head).Concat(body[..10]).ToArray(), TestContext.Current.CancellationToken);
        await Task.Delay(200, TestContext.Current.CancellationToken);

        var stopping = host.Server.StopAsync();
        await Task.Delay(300, TestContext.Current.CancellationToken);
        await stream.WriteAsync(body.AsMemory(10), TestContext.Current.CancellationToken);
        string? status = await new StreamReader(stream, Encoding.UTF8).ReadLineAsync(TestContext.Current.CancellationToken);

        // Kestrel may finish reading the body (200) or cancel the read as it stops (503, "send it again").
        Assert.True(status is "HTTP/1.1 200 OK" or "HTTP/1.1 503 Service Unavailable", status);
        await stopping.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    private static string Metrics(ServiceHost host) => host.Http.GetStringAsync("/metrics", TestContext.Current.CancellationToken).GetAwaiter().GetResult();

    private static void CopyModel(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    /// <summary>Points <c>current</c> at a version the way scripts/Update-VaeModel.ps1 does: a new link renamed over the old (mv -T: one rename(2)).</summary>
    private static void Switch(TemporaryDirectory serving, string version)
    {
        string temporary = serving.Combine($"current.tmp-{Guid.NewGuid():N}");
        Directory.CreateSymbolicLink(temporary, Path.Combine("current.versions", version));
        using var move = System.Diagnostics.Process.Start("mv", ["-T", temporary, serving.Combine("current")]);
        move.WaitForExit();
        Assert.Equal(0, move.ExitCode);
    }

    private static Task WaitForVersion(ServiceHost host, string version) => WaitUntil(() => host.Server.Models.Current?.Version == version);

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 300 && !condition(); i++) await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.True(condition(), "timed out after 30 s");
    }
}
