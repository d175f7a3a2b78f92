using VaeToolkit.Serving.Benchmark;
using VaeToolkit.Tests.Inference;

namespace VaeToolkit.Tests.Serving;

/// <summary>The load benchmark's plumbing on a small model, in short phases: what it counts, not how fast it is.</summary>
public sealed class ServingBenchmarkTests
{
    [Fact]
    public async Task Run_MeasuresEachPhase_AndThePromotionsAreServedWithoutErrors()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "promotions switch a symbolic link with rename(2)");
        using var model = TestModel.Create();
        var settings = new ServingBenchmark.Settings
        {
            PhaseDuration = TimeSpan.FromSeconds(2),
            WarmUp = TimeSpan.FromSeconds(1),
            Settle = TimeSpan.FromSeconds(0.5),
            Clients = [1, 4],
            Top = 5,
            Promotions = 2,
            EngineUsers = 500,
            EngineBatchSize = 100,
            BatchUsers = 3,
        };

        var report = await ServingBenchmark.RunAsync(model.ModelDirectory, settings, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["1 clients", "4 clients", "4 clients, 3 users per request", "4 clients, 2 promotions"], report.Phases.Select(phase => phase.Name));
        Assert.All(report.Phases, phase =>
        {
            Assert.Equal(0, phase.Errors);
            Assert.True(phase.Requests > 0, phase.Name);
            Assert.Equal(phase.Requests * phase.UsersPerRequest, phase.Users);
            Assert.InRange(phase.P50Ms, 0, phase.P99Ms);
            Assert.InRange(phase.P99Ms, phase.P50Ms, phase.MaxMs);
            Assert.True(phase.ServiceCores > 0, $"{phase.Name}: no CPU time of the service was seen");
        });
        Assert.Equal(1.0, report.Phases[0].MeanBatchUsers); // one client: nothing to coalesce
        Assert.True(report.Phases[2].MeanBatchUsers >= 3, "a batch request's users are scored together");
        Assert.Equal((2, 2), (report.Phases[3].Promotions, report.Phases[3].ReloadsServed));
        Assert.True(report.EngineUsersPerSecond > 0);
        double busiest = report.Phases.Where(p => p.UsersPerRequest == 1 && p.Promotions == 0).Max(p => p.UsersPerSecond);
        Assert.Equal(busiest / report.EngineUsersPerSecond, report.ConcurrentToEngine, 9);
        // The engine is also measured in calls as large as the most clients can make.
        Assert.Equal(4, report.EngineClientsBatchSize);
        Assert.True(report.EngineClientsBatchUsersPerSecond > 0);
        Assert.Equal(busiest / report.EngineClientsBatchUsersPerSecond, report.ConcurrentToEngineAtClientsBatch, 9);
    }
}
