using System.Diagnostics;
using System.Net;
using System.Text;

namespace VaeToolkit.Serving.Benchmark;

/// <summary>
/// Drives the service over keep-alive HTTP/1.1 connections: each client sends its next request as soon
/// as the previous answer is read, for a fixed time. Request bodies are made up front so that the
/// generator spends its time on HTTP, not on JSON.
/// </summary>
public sealed class LoadGenerator(Uri baseAddress)
{
    public sealed record Result(long Requests, long Errors, long[] LatencyTicks, double Seconds, IReadOnlyList<string> FirstErrors);

    /// <param name="bodies">Request bodies; client c starts at body c × (count / clients) and goes round.</param>
    public async Task<Result> RunAsync(string path, IReadOnlyList<byte[]> bodies, int clients, TimeSpan duration, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        };
        using var http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var latencies = new List<long>[clients];
        var errors = new List<string>();
        long errorCount = 0;
        long stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long started = Stopwatch.GetTimestamp();

        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var mine = latencies[client] = new List<long>(1 << 16);
            int next = (int)((long)client * bodies.Count / clients);
            while (Stopwatch.GetTimestamp() < stopAt && !cancellationToken.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(bodies[next]) };
                request.Content.Headers.ContentType = new("application/json");
                next = (next + 1) % bodies.Count;
                long start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
                    byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    mine.Add(Stopwatch.GetTimestamp() - start);
                    if (response.StatusCode != HttpStatusCode.OK) Fail($"HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(300, body.Length)))}");
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    mine.Add(Stopwatch.GetTimestamp() - start);
                    Fail($"{e.GetType().Name}: {e.Message}");
                }
            }
        }, cancellationToken)));

        double seconds = (Stopwatch.GetTimestamp() - started) / (double)Stopwatch.Frequency;
        long[] all = [.. latencies.SelectMany(list => list)];
        return new Result(all.Length, errorCount, all, seconds, errors);

        void Fail(string message)
        {
            Interlocked.Increment(ref errorCount);
            lock (errors) if (errors.Count < 5) errors.Add(message);
        }
    }
}
