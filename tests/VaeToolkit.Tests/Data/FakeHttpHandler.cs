using System.Net;

namespace VaeToolkit.Tests.Data;

/// <summary>Answers HTTP requests without a network, and records them.</summary>
internal sealed class FakeHttpHandler(Func<CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
{
    public List<Uri> Requests { get; } = [];

    /// <summary>Serves <paramref name="body"/> with a Content-Length, as a file server does.</summary>
    public static FakeHttpHandler Serving(byte[] body) =>
        new(_ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) }));

    /// <summary>Serves <paramref name="body"/> after <paramref name="delay"/>, as a slow server does: concurrent requests overlap.</summary>
    public static FakeHttpHandler Serving(byte[] body, TimeSpan delay) =>
        new(async token =>
        {
            await Task.Delay(delay, token);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };
        });

    public static FakeHttpHandler Answering(HttpStatusCode status) =>
        new(_ => Task.FromResult(new HttpResponseMessage(status)));

    /// <summary>Fails every request, as a machine without a network does.</summary>
    public static FakeHttpHandler Failing(Exception error) => new(_ => Task.FromException<HttpResponseMessage>(error));

    /// <summary>Never answers (until the request is cancelled).</summary>
    public static FakeHttpHandler Hanging() =>
        new(async token =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        });

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (Requests) Requests.Add(request.RequestUri!);
        return respond(cancellationToken);
    }
}
