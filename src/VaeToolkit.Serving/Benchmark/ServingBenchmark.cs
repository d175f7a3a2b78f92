using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using VaeToolkit.Hosting;
using VaeToolkit.Inference;
using VaeToolkit.Runs;

namespace VaeToolkit.Serving.Benchmark;

/// <summary>
/// <c>vaetoolkit benchmark-serve</c>: the scoring engine alone on a model (batches, and single users), then
/// the service, a <c>vaetoolkit-serve</c> process of its own on the same model, under load from a
/// <see cref="LoadGenerator"/> in this process: one phase per client count, each client asking one known
/// user's top-k per request, optionally one with the batch form, and a last phase at the most clients while
/// the model is promoted <see cref="Settings.Promotions"/> times (<see cref="ModelPromoter"/>). Each phase
/// records the CPU time of the service and of the load generator, which share this machine's cores.
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

        /// <summary>When above 0, one more phase at the most clients with the batch form, this many users per request.</summary>
        public int BatchUsers { get; init; }

        /// <summary>Load before the measured phases, at the most clients: the service's code is compiled to its final tier meanwhile.</summary>
        public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(5);

        /// <summary>
        /// Unmeasured load at each phase's own client count before it is measured, so that a phase is timed in its
        /// steady state: the micro-batcher sizes its calls by the busiest moment of its last window, and a phase
        /// of one client right after 32 would otherwise wait out that window's larger calls.
        /// </summary>
        public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(2);

        /// <summary>The service's <see cref="Hosting.ServerOptions.SpinWait"/>.</summary>
        public bool SpinWait { get; init; }

        /// <summary>The service's ONNX Runtime threads (<see cref="Hosting.ServerOptions.Threads"/>); 0: every core. The engine alone always takes every core.</summary>
        public int ServiceThreads { get; init; }
    }

    public static async Task<ServingBenchmarkReport> RunAsync(string modelPath, Settings settings, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        var bundle = ModelBundle.Open(modelPath);
        if (bundle.UserIds.Count == 0) throw new InvalidDataException($"{bundle.Directory} knows no users to ask for");

        int most = settings.Clients.Max();
        log?.Report($"engine alone: {settings.EngineUsers:N0} users in batches of {settings.EngineBatchSize}, then of {most}, then single users");
        var engine = MeasureEngine(bundle, settings, most, cancellationToken);

        var bodies = bundle.UserIds.Take(20_000)
            .Select(id => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { user_id = id, k = settings.Top })))
            .ToArray();
        using var promoter = new ModelPromoter(bundle.Directory);
        string[] arguments =
        [
            "--model", promoter.ServingPath, "--urls", "http://127.0.0.1:0", "--reload-poll-seconds", "1",
            "--max-k", Math.Max(settings.Top, 1000).ToString(CultureInfo.InvariantCulture), "--spin-wait", settings.SpinWait ? "on" : "off",
            "--threads", settings.ServiceThreads.ToString(CultureInfo.InvariantCulture),
        ];
        using var service = ServiceHostProcess.Start(Path.Combine(AppContext.BaseDirectory, "vaetoolkit-serve.dll"), arguments, null,
            line => { if (line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal)) log?.Report($"service: {line}"); },
            TimeSpan.FromMinutes(2), cancellationToken);
        var server = new ServiceClient(service);
        await server.WaitUntilServing("v000", cancellationToken);
        var load = new LoadGenerator(service.LocalUri);
        const string path = "/v1/recommendations";

        log?.Report($"service at {service.Url} (process {service.Process.Id}): warming up with {most} clients");
        await load.RunAsync(path, bodies, most, settings.WarmUp, cancellationToken);

        var phases = new List<LoadPhase>();
        foreach (int clients in settings.Clients)
        {
            log?.Report($"{clients} client(s), {settings.PhaseDuration.TotalSeconds:0} s");
            phases.Add(await Phase($"{clients} clients", server, load, path, bodies, clients, settings, null, cancellationToken));
        }

        if (settings.BatchUsers > 0)
        {
            var batchBodies = bodies.Chunk(settings.BatchUsers)
                .Select(chunk => Encoding.UTF8.GetBytes("{\"requests\": [" + string.Join(",", chunk.Select(Encoding.UTF8.GetString)) + "]}"))
                .ToArray();
            log?.Report($"{most} clients, batch form with {settings.BatchUsers} users per request");
            phases.Add(await Phase($"{most} clients, {settings.BatchUsers} users per request", server, load, path + "/batch", batchBodies, most,
                settings, null, cancellationToken, settings.BatchUsers));
        }

        log?.Report($"{most} clients while the model is promoted {settings.Promotions} times");
        phases.Add(await Phase($"{most} clients, {settings.Promotions} promotions", server, load, path, bodies, most, settings,
            () => PromoteRepeatedly(promoter, server, settings.Promotions, settings.PhaseDuration, cancellationToken), cancellationToken));

        var busiest = phases.Where(p => p.Promotions == 0 && p.UsersPerRequest == 1).MaxBy(p => p.UsersPerSecond)!;
        return new ServingBenchmarkReport
        {
            ModelPath = bundle.Directory,
            Items = bundle.Card.ItemCount,
            Top = settings.Top,
            Threads = engine.Threads,
            SpinWait = settings.SpinWait,
            ServiceThreads = settings.ServiceThreads,
            EngineBatchSize = settings.EngineBatchSize,
            EngineUsersPerSecond = engine.UsersPerSecond,
            EngineClientsBatchSize = most,
            EngineClientsBatchUsersPerSecond = engine.ClientsBatchUsersPerSecond,
            EngineSingleUserP50Ms = engine.SingleP50Ms,
            EngineSingleUserP99Ms = engine.SingleP99Ms,
            Phases = phases,
            ConcurrentToEngine = busiest.UsersPerSecond / engine.UsersPerSecond,
            ConcurrentToEngineAtClientsBatch = busiest.UsersPerSecond / engine.ClientsBatchUsersPerSecond,
            BatchFormToEngine = phases.Where(p => p.UsersPerRequest > 1).Select(p => p.UsersPerSecond / engine.UsersPerSecond).DefaultIfEmpty().Max(),
        };
    }

    private static async Task<LoadPhase> Phase(string name, ServiceClient server, LoadGenerator load, string path, byte[][] bodies, int clients,
        Settings settings, Func<Task<(int Promoted, int Served)>>? during, CancellationToken cancellationToken, int usersPerRequest = 1)
    {
        if (settings.Settle > TimeSpan.Zero) await load.RunAsync(path, bodies, clients, settings.Settle, cancellationToken);
        var duration = settings.PhaseDuration;
        var (callsBefore, usersBefore) = await server.BatchesAsync(cancellationToken);
        var serviceCpu = server.CpuTime();
        var generatorCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var promotions = during?.Invoke() ?? Task.FromResult((0, 0));
        var result = await load.RunAsync(path, bodies, clients, duration, cancellationToken);
        serviceCpu = server.CpuTime() - serviceCpu;
        generatorCpu = Process.GetCurrentProcess().TotalProcessorTime - generatorCpu;
        var (promoted, served) = await promotions;
        var (callsAfter, usersAfter) = await server.BatchesAsync(cancellationToken);
        long users = (result.Requests - result.Errors) * usersPerRequest;

        Array.Sort(result.LatencyTicks);
        return new LoadPhase
        {
            Name = name,
            Clients = clients,
            UsersPerRequest = usersPerRequest,
            Seconds = result.Seconds,
            Requests = result.Requests,
            Users = users,
            Errors = result.Errors,
            RequestsPerSecond = result.Requests / result.Seconds,
            UsersPerSecond = users / result.Seconds,
            P50Ms = Percentile(result.LatencyTicks, 0.50),
            P95Ms = Percentile(result.LatencyTicks, 0.95),
            P99Ms = Percentile(result.LatencyTicks, 0.99),
            MaxMs = Percentile(result.LatencyTicks, 1.0),
            MeanBatchUsers = callsAfter > callsBefore ? (double)(usersAfter - usersBefore) / (callsAfter - callsBefore) : 0,
            Promotions = promoted,
            ReloadsServed = served,
            FirstErrors = result.FirstErrors,
            ServiceCores = serviceCpu.TotalSeconds / result.Seconds,
            GeneratorCores = generatorCpu.TotalSeconds / result.Seconds,
            ServiceCpuMsPerUser = users == 0 ? double.NaN : serviceCpu.TotalMilliseconds / users,
        };
    }

    /// <summary>Promotes evenly through the phase and waits for the service to serve each new version.</summary>
    private static async Task<(int Promoted, int Served)> PromoteRepeatedly(ModelPromoter promoter, ServiceClient server, int count, TimeSpan duration, CancellationToken cancellationToken)
    {
        int served = 0;
        var interval = duration / (count + 1);
        for (int i = 0; i < count; i++)
        {
            await Task.Delay(interval, cancellationToken);
            string version = promoter.Promote();
            if (await server.WaitUntilServing(version, cancellationToken, throwOnTimeout: false)) served++;
        }
        return (count, served);
    }

    /// <summary>What the engine alone measured: users/s in large batches and in batches of the most clients, and one user's latency.</summary>
    private sealed record EngineFigures(double UsersPerSecond, double ClientsBatchUsersPerSecond, double SingleP50Ms, double SingleP99Ms, int Threads);

    private static EngineFigures MeasureEngine(ModelBundle bundle, Settings settings, int clients, CancellationToken cancellationToken)
    {
        using var engine = OnnxRecommender.Open(bundle.Directory);
        var known = bundle.UserHistories;
        double UsersPerSecond(int users, int batchSize)
        {
            var batches = ScoringBatches.Repeated(known, users, batchSize);
            var (seconds, _) = ScoringBatches.Time(batches, batch => engine.Recommend(batch, settings.Top), cancellationToken);
            return users / seconds;
        }
        double usersPerSecond = UsersPerSecond(settings.EngineUsers, settings.EngineBatchSize);
        // Requests of one user each, one per client in flight, can make calls of at most this many users.
        // 200 calls are enough to time them (10,000 calls of one user would take a quarter of a minute at ML-20M's shape).
        double clientsBatchUsersPerSecond = UsersPerSecond(Math.Min(settings.EngineUsers, 200 * clients), clients);

        var single = new long[300];
        for (int i = 0; i < single.Length; i++)
        {
            var one = known.SelectRows([i % known.RowCount]);
            long start = Stopwatch.GetTimestamp();
            engine.Recommend(one, settings.Top);
            single[i] = Stopwatch.GetTimestamp() - start;
        }
        Array.Sort(single);
        return new EngineFigures(usersPerSecond, clientsBatchUsersPerSecond, Percentile(single, 0.5), Percentile(single, 0.99), engine.Threads);
    }

    private static double Percentile(long[] sortedTicks, double quantile)
    {
        if (sortedTicks.Length == 0) return double.NaN;
        int index = Math.Min(sortedTicks.Length - 1, (int)Math.Ceiling(quantile * sortedTicks.Length) - 1);
        return sortedTicks[Math.Max(0, index)] * 1000.0 / Stopwatch.Frequency;
    }
}
