using Prometheus;
using VaeToolkit.Serving.Models;

namespace VaeToolkit.Serving.Metrics;

/// <summary>
/// The service's own Prometheus metrics, in a registry of its own (several services in one process, as
/// in the tests, count apart). The HTTP request counts and latencies come from prometheus-net's middleware.
/// </summary>
public sealed class ServingMetrics
{
    private readonly Gauge modelInfo;
    private readonly Counter reloads;
    private readonly Histogram batchUsers;
    private readonly Counter scoredUsers;
    private string[]? modelLabels;

    public ServingMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        Factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        modelInfo = Factory.CreateGauge("vaetoolkit_model_info", "The model being served (value 1).",
            new GaugeConfiguration { LabelNames = ["version", "model_type", "dataset", "data_hash", "precision"] });
        reloads = Factory.CreateCounter("vaetoolkit_model_reloads_total", "Model reloads by result: loaded, or failed (the previous model kept serving).",
            new CounterConfiguration { LabelNames = ["result"] });
        batchUsers = Factory.CreateHistogram("vaetoolkit_batch_users", "Users per ONNX Runtime call, after micro-batching.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 11) });
        scoredUsers = Factory.CreateCounter("vaetoolkit_scored_users_total", "Users scored by the model.");
        // Both results show from the start, at zero.
        reloads.WithLabels("loaded");
        reloads.WithLabels("failed");
    }

    public CollectorRegistry Registry { get; }

    public IMetricFactory Factory { get; }

    /// <summary>Latency buckets for HTTP requests: 0.25 ms to 8 s, doubling.</summary>
    public static double[] LatencyBuckets { get; } = Histogram.ExponentialBuckets(0.00025, 2, 16);

    /// <summary>ONNX Runtime calls made and the users they scored, so far.</summary>
    public (long Calls, long Users) Batches => ((long)batchUsers.Count, (long)batchUsers.Sum);

    public void ObserveBatch(int users)
    {
        batchUsers.Observe(users);
        scoredUsers.Inc(users);
    }

    public void ModelLoaded(ServedModel model, bool isReload)
    {
        lock (modelInfo)
        {
            if (modelLabels is not null) modelInfo.RemoveLabelled(modelLabels);
            var card = model.Bundle.Card;
            modelLabels = [model.Version, card.ModelType, card.Dataset, card.DataHash, card.Precision ?? "fp32"];
            modelInfo.WithLabels(modelLabels).Set(1);
        }
        if (isReload) reloads.WithLabels("loaded").Inc();
    }

    public void ReloadFailed() => reloads.WithLabels("failed").Inc();
}
