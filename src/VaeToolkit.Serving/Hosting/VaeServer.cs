using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Console;
using Prometheus;
using VaeToolkit.Serving.Api;
using VaeToolkit.Serving.Metrics;
using VaeToolkit.Serving.Models;

namespace VaeToolkit.Serving.Hosting;

/// <summary>
/// The recommendation service: Kestrel, the /v1 endpoints, health, metrics and the OpenAPI document,
/// over a <see cref="ModelHolder"/> that <see cref="ModelReloader"/> keeps up to date.
/// <see cref="StartAsync"/> returns once it listens; the model loads meanwhile (<c>/healthz/ready</c>).
/// </summary>
public sealed class VaeServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private VaeServer(WebApplication app)
    {
        this.app = app;
    }

    /// <summary>The addresses Kestrel listens on, with the real port where 0 was asked.</summary>
    public IReadOnlyList<string> Urls => [.. app.Urls];

    public ModelHolder Models => app.Services.GetRequiredService<ModelHolder>();

    public ServingMetrics Metrics => app.Services.GetRequiredService<ServingMetrics>();

    public ModelReloader Reloader => app.Services.GetServices<IHostedService>().OfType<ModelReloader>().Single();

    /// <param name="logging">Adds log providers; by default logs go to standard error (standard output is for the "listening" line).</param>
    public static async Task<VaeServer> StartAsync(ServerOptions options, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        var app = Build(options, logging);
        await app.StartAsync(cancellationToken);
        return new VaeServer(app);
    }

    /// <summary>Ends when the service stops: SIGTERM, Ctrl+C, <see cref="StopAsync"/> or <paramref name="cancellationToken"/>.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops listening and waits for in-flight requests (up to <see cref="ServerOptions.ShutdownTimeout"/>).</summary>
    public Task StopAsync() => app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    internal static WebApplication Build(ServerOptions options, Action<ILoggingBuilder>? logging)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);

        builder.Logging.ClearProviders();
        if (logging is null)
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                console.UseUtcTimestamp = true;
            });
            builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        }
        else
        {
            logging(builder.Logging);
        }
        // One line per request would cost more than the request: only warnings from ASP.NET Core itself.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            // A misspelt field is an error, not a silently ignored option.
            json.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ModelHolder>();
        builder.Services.AddSingleton<ServingMetrics>();
        builder.Services.AddHostedService<ModelReloader>();
        builder.Services.AddHealthChecks().AddCheck<ModelReadyCheck>("model", tags: ["ready"]);

        var app = builder.Build();
        var metrics = app.Services.GetRequiredService<ServingMetrics>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseRouting();
        app.UseHttpMetrics(http =>
        {
            http.SetMetricFactory(metrics.Factory);
            http.RequestDuration.Histogram = metrics.Factory.CreateHistogram("http_request_duration_seconds",
                "HTTP request latency by endpoint and status code.",
                new HistogramConfiguration { Buckets = ServingMetrics.LatencyBuckets, LabelNames = ["code", "method", "endpoint"] });
        });

        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapMetrics(settings => settings.Registry = metrics.Registry);
        app.MapOpenApi("/openapi/v1.json");

        var v1 = app.MapGroup("/v1");
        RecommendationEndpoints.Map(v1);
        ItemEndpoints.Map(v1);
        ModelEndpoints.Map(v1);

        app.Lifetime.ApplicationStopped.Register(() => app.Services.GetRequiredService<ModelHolder>().Dispose());
        return app;
    }
}
