namespace VaeToolkit.Serving.Hosting;

/// <summary>How the service is started: <c>vaetoolkit serve</c>'s and <c>vaetoolkit-serve</c>'s options (<see cref="ServerCommandLine"/>).</summary>
public sealed record ServerOptions
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>The environment variable holding the API key, when no key file is given.</summary>
    public const string ApiKeyVariable = "VAETOOLKIT_API_KEY";

    /// <summary>The request header that carries the API key.</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>A model or run directory, or the serving link that scripts/Update-VaeModel.ps1 promotes into.</summary>
    public required string ModelPath { get; init; }

    /// <summary>Kestrel's addresses, separated by ';'. Port 0 takes a free port.</summary>
    public string Urls { get; init; } = DefaultUrls;

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>ONNX Runtime's intra-op threads; 0 takes every core.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Whether ONNX Runtime's threads spin between operators (faster calls) rather than sleep (leaving the cores
    /// to Kestrel between calls). See the README's Serving section for what each gave.
    /// </summary>
    public bool SpinWait { get; init; }

    /// <summary>When set, every /v1 request and the OpenAPI document need it in <see cref="ApiKeyHeader"/>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The most users one ONNX Runtime call scores: concurrent requests are coalesced up to it.</summary>
    public int MaxBatchUsers { get; init; } = 256;

    /// <summary>How long the first request of a batch may wait for others to join it.</summary>
    public TimeSpan MaxBatchWait { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>The largest <c>k</c> a request may ask for.</summary>
    public int MaxK { get; init; } = 1000;

    /// <summary>The most users (requests) in one batch request.</summary>
    public int MaxBatchRequests { get; init; } = 1000;

    /// <summary>Request bodies above this are refused with 413.</summary>
    public long MaxBodyBytes { get; init; } = 4 << 20;

    /// <summary>How often the model path is checked for a new model, besides file system events; zero turns reloading off.</summary>
    public TimeSpan ReloadPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a stop waits for in-flight requests.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
