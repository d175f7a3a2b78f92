using Microsoft.Extensions.Diagnostics.HealthChecks;
using VaeToolkit.Serving.Models;

namespace VaeToolkit.Serving.Hosting;

/// <summary>Ready once a model is loaded and has answered its warm-up request (<see cref="ServedModel"/> is only served after it has).</summary>
internal sealed class ModelReadyCheck(ModelHolder holder) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(holder.Current is { } model
            ? HealthCheckResult.Healthy($"serving model version {model.Version}")
            : HealthCheckResult.Unhealthy("no model loaded yet"));
}
