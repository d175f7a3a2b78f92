using System.Diagnostics;
using System.Text;
using System.Text.Json;
using VaeToolkit.Data;
using VaeToolkit.Inference;
using VaeToolkit.Runs;
using VaeToolkit.Serving.Hosting;

namespace VaeToolkit.Serving.Benchmark;

/// <summary>
/// <c>vaetoolkit benchmark-serve</c>: the scoring engine alone on a model (batches, and single users), then
/// the service on the same model under load from a <see cref="LoadGenerator"/> on this machine: one phase
/// per client count, each client asking one known user's top-k per request, and a last phase at the most
/// clients while the model is promoted <see cref="Settings.Promotions"/> times (<see cref="ModelPromoter"/>).
/// </summary>
public static class ServingBenchmark
{
    public sealed record Settings
    {
        public TimeSpan PhaseDuration { get; init; } = TimeSpan.FromSeconds(10);
        public IReadOnlyList<int> Clients { get; init; } = [1, 32];
        public int Top { get; init; } = 100;
        public int Promotions { get; init; } = 10;
        public int EngineBatchSize { get; init; } = 1000;
        public int EngineUsers { get; init; } = 10_000;
    }

    public static async Task<ServingBenchmarkReport> RunAsync(string modelPath, Settings settings, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        var bundle = ModelBundle.Open(modelPath);
        if (bundle.UserIds.Count == 0) throw new InvalidDataException($"{bundle.Directory} knows no users to ask for");

        log?.Report($"engine alone: {settings.EngineUsers:N0} users in batches of {settings.EngineBatchSize}, then single users");
        var (engineUsersPerSecond, singleP50, singleP99, threads) = MeasureEngine(bundle, settings, cancellationToken);

        var bodies = bundle.UserIds.Take(20_000)
            .Select(id => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { user_id = id, k = settings.Top })))
            .ToArray();
        using var promoter = new ModelPromoter(bundle.Directory);
        var options = new ServerOptions
        {
            ModelPath = promoter.ServingPath,
            Urls = "http://127.0.0.1:0",
            MaxK = Math.Max(settings.Top, 1000),
            ReloadPollInterval = TimeSpan.FromSeconds(1),
        };
        await using var server = await VaeServer.StartAsync(options, logging => logging.AddFilter(level => level >= LogLevel.Warning), cancellationToken);
        await WaitUntilServing(server, "v000", cancellationToken);
        var load = new LoadGenerator(new Uri(server.Urls[0]));
        const string path = "/v1/recommendations";

        int most = settings.Clients.Max();
        log?.Report($"service at {server.Urls[0]}: warming up with {most} clients");
        await load.RunAsync(path, bodies, most, TimeSpan.FromSeconds(2), cancellationToken);

        var phases = new List<LoadPhase>();
        foreach (int clients in settings.Clients)
        {
            log?.Report($"{clients} client(s), {settings.PhaseDuration.TotalSeconds:0} s");
            phases.Add(await Phase($"{clients} clients", server, load, path, bodies, clients, settings.PhaseDuration, null, cancellationToken));
        }

        log?.Report($"{most} clients while the model is promoted {settings.Promotions} times");
        phases.Add(await Phase($"{most} clients, {settings.Promotions} promotions", server, load, path, bodies, most, settings.PhaseDuration,
            () => PromoteRepeatedly(promoter, server, settings.Promotions, settings.PhaseDuration, cancellationToken), cancellationToken));

        return new ServingBenchmarkReport
        {
            ModelPath = bundle.Directory,
            Items = bundle.Card.ItemCount,
            Top = settings.Top,
            Threads = threads,
            EngineBatchSize = settings.EngineBatchSize,
            EngineUsersPerSecond = engineUsersPerSecond,
            EngineSingleUserP50Ms = singleP50,
            EngineSingleUserP99Ms = singleP99,
            Phases = phases,
            ConcurrentToEngine = phases.Where(p => p.Promotions == 0).Max(p => p.UsersPerSecond) / engineUsersPerSecond,
        };
    }

    private static async Task<LoadPhase> Phase(string name, VaeServer server, LoadGenerator load, string path, byte[][] bodies, int clients,
        TimeSpan duration, Func<Task<(int Promoted, int Served)>>? during, CancellationToken cancellationToken)
    {
        var (callsBefore, usersBefore) = server.Metrics.Batches;
        var promotions = during?.Invoke() ?? Task.FromResult((0, 0));
        var result = await load.RunAsync(path, bodies, clients, duration, cancellationToken);
        var (promoted, served) = await promotions;
        var (callsAfter, usersAfter) = server.Metrics.Batches;

        Array.Sort(result.LatencyTicks);
        return new LoadPhase
        {
            Name = name,
            Clients = clients,
            UsersPerRequest = 1,
            Seconds = result.Seconds,
            Requests = result.Requests,
            Users = result.Requests - result.Errors,
            Errors = result.Errors,
            RequestsPerSecond = result.Requests / result.Seconds,
            UsersPerSecond = (result.Requests - result.Errors) / result.Seconds,
            P50Ms = Percentile(result.LatencyTicks, 0.50),
            P95Ms = Percentile(result.LatencyTicks, 0.95),
            P99Ms = Percentile(result.LatencyTicks, 0.99),
            MaxMs = Percentile(result.LatencyTicks, 1.0),
            MeanBatchUsers = callsAfter > callsBefore ? (double)(usersAfter - usersBefore) / (callsAfter - callsBefore) : 0,
            Promotions = promoted,
            ReloadsServed = served,
            FirstErrors = result.FirstErrors,
        };
    }

    /// <summary>Promotes evenly through the phase and waits for the service to serve each new version.</summary>
    private static async Task<(int Promoted, int Served)> PromoteRepeatedly(ModelPromoter promoter, VaeServer server, int count, TimeSpan duration, CancellationToken cancellationToken)
    {
        int served = 0;
        var interval = duration / (count + 1);
        for (int i = 0; i < count; i++)
        {
            await Task.Delay(interval, cancellationToken);
            string version = promoter.Promote();
            if (await WaitUntilServing(server, version, cancellationToken, throwOnTimeout: false)) served++;
        }
        return (count, served);
    }

    private static async Task<bool> WaitUntilServing(VaeServer server, string version, CancellationToken cancellationToken, bool throwOnTimeout = true)
    {
        var watch = Stopwatch.StartNew();
        while (server.Models.Current?.Version != version)
        {
            if (server.Reloader.StartupError is { } error) throw new InvalidOperationException($"the service could not load the model: {error.Message}", error);
            if (watch.Elapsed > TimeSpan.FromSeconds(60))
                return throwOnTimeout ? throw new TimeoutException($"the service did not serve version {version} within 60 s") : false;
            await Task.Delay(20, cancellationToken);
        }
        return true;
    }

    private static (double UsersPerSecond, double SingleP50Ms, double SingleP99Ms, int Threads) MeasureEngine(ModelBundle bundle, Settings settings, CancellationToken cancellationToken)
    {
        using var engine = OnnxRecommender.Open(bundle.Directory);
        var known = bundle.UserHistories;
        var batches = new List<CsrMatrix>();
        for (int start = 0; start < settings.EngineUsers; start += settings.EngineBatchSize)
        {
            int count = Math.Min(settings.EngineBatchSize, settings.EngineUsers - start);
            batches.Add(known.SelectRows([.. Enumerable.Range(start, count).Select(u => u % known.RowCount)]));
        }
        engine.Recommend(batches[0], settings.Top); // warm-up: ONNX Runtime's arena grows over the first calls
        engine.Recommend(batches[^1], settings.Top);
        var watch = Stopwatch.StartNew();
        foreach (var batch in batches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            engine.Recommend(batch, settings.Top);
        }
        double usersPerSecond = settings.EngineUsers / watch.Elapsed.TotalSeconds;

        var single = new long[300];
        for (int i = 0; i < single.Length; i++)
        {
            var one = known.SelectRows([i % known.RowCount]);
            long start = Stopwatch.GetTimestamp();
            engine.Recommend(one, settings.Top);
            single[i] = Stopwatch.GetTimestamp() - start;
        }
        Array.Sort(single);
        return (usersPerSecond, Percentile(single, 0.5), Percentile(single, 0.99), engine.Threads);
    }

    private static double Percentile(long[] sortedTicks, double quantile)
    {
        if (sortedTicks.Length == 0) return double.NaN;
        int index = Math.Min(sortedTicks.Length - 1, (int)Math.Ceiling(quantile * sortedTicks.Length) - 1);
        return sortedTicks[Math.Max(0, index)] * 1000.0 / Stopwatch.Frequency;
    }
}
