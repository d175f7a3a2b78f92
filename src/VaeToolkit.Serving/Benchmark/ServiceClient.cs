using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using VaeToolkit.Hosting;

namespace VaeToolkit.Serving.Benchmark;

/// <summary>What <see cref="ServingBenchmark"/> asks of the service process besides load: its version, its metrics, its CPU time.</summary>
internal sealed class ServiceClient(ServiceHostProcess service)
{
    private readonly HttpClient http = new() { BaseAddress = service.LocalUri, Timeout = TimeSpan.FromSeconds(30) };

    public TimeSpan CpuTime()
    {
        service.Process.Refresh();
        return service.Process.TotalProcessorTime;
    }

    /// <summary>ONNX Runtime calls and the users they scored, from the service's Prometheus metrics.</summary>
    public async Task<(double Calls, double Users)> BatchesAsync(CancellationToken cancellationToken)
    {
        string text = await http.GetStringAsync("/metrics", cancellationToken);
        double Sample(string name) => text.Split('\n').Where(line => line.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(line => double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture)).Single();
        return (Sample("vaetoolkit_batch_users_count"), Sample("vaetoolkit_batch_users_sum"));
    }

    /// <summary>Waits until <c>/v1/model</c> names <paramref name="version"/> (60 s at most).</summary>
    public async Task<bool> WaitUntilServing(string version, CancellationToken cancellationToken, bool throwOnTimeout = true)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (service.Process.HasExited) throw new InvalidOperationException($"the service exited with code {service.Process.ExitCode}");
            try
            {
                var model = JsonNode.Parse(await http.GetStringAsync("/v1/model", cancellationToken));
                if ((string?)model?["version"] == version) return true;
            }
            catch (HttpRequestException)
            {
            }
            if (watch.Elapsed > TimeSpan.FromSeconds(60))
                return throwOnTimeout ? throw new TimeoutException($"the service did not serve version {version} within 60 s") : false;
            await Task.Delay(20, cancellationToken);
        }
    }
}
