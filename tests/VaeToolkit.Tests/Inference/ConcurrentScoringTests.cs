using VaeToolkit.Data;
using VaeToolkit.Inference;

namespace VaeToolkit.Tests.Inference;

/// <summary>
/// One recommender (or service) shared by many threads, as a web service shares it between requests:
/// every call must give exactly what the same call gives alone.
/// </summary>
public sealed class ConcurrentScoringTests
{
    private const int Threads = 8;
    private const int CallsPerThread = 50;
    private static readonly int[] BatchSizes = [1, 3, 17, 64];

    [Fact]
    public void OnnxRecommender_SharedByEightThreads_GivesTheSerialResults()
    {
        using var model = TestModel.Create();
        using var recommender = OnnxRecommender.Open(model.ModelDirectory);
        var calls = Enumerable.Range(0, Threads * CallsPerThread).Select(RandomCall).ToArray();
        var serial = calls.Select(call => Score(recommender, call)).ToArray();

        var concurrent = RunOnThreads(call => Score(recommender, calls[call]));

        for (int call = 0; call < calls.Length; call++)
        {
            Assert.True(serial[call].Items.SequenceEqual(concurrent[call].Items), $"call {call}: other items than alone");
            Assert.True(serial[call].Scores.SequenceEqual(concurrent[call].Scores), $"call {call}: other scores than alone");
            Assert.True(serial[call].Means.SequenceEqual(concurrent[call].Means), $"call {call}: other latent means than alone");
        }
    }

    [Fact]
    public void RecommendationService_SharedByEightThreads_GivesTheSerialResults()
    {
        using var model = TestModel.Create();
        using var service = RecommendationService.Open(model.Root.Path, batchSize: 4);
        string Answer(int call)
        {
            var random = new Random(call);
            var results = call % 2 == 0
                ? service.RecommendForUsers([.. Enumerable.Range(0, random.Next(1, 12)).Select(_ => TestModel.UserIds[random.Next(TestModel.UserIds.Length)])], k: 1 + call % 9)
                : [service.RecommendForHistory([.. Enumerable.Range(0, random.Next(1, 8)).Select(_ => TestModel.ItemIds[random.Next(TestModel.Items)])], k: 1 + call % 9, userId: $"guest{call}")];
            return string.Join('\n', results.SelectMany(result => result.Recommendations).Select(r => $"{r.UserId} {r.Rank} {r.ItemId} {r.Score:R}"));
        }
        var serial = Enumerable.Range(0, Threads * CallsPerThread).Select(Answer).ToArray();

        var concurrent = RunOnThreads(Answer);

        Assert.All(serial, answer => Assert.NotEmpty(answer));
        for (int call = 0; call < serial.Length; call++) Assert.True(serial[call] == concurrent[call], $"call {call}: other recommendations than alone");
    }

    private sealed record Call(int[][] Histories, int K);

    private sealed record Outcome(int[] Items, float[] Scores, float[] Means);

    /// <summary>A batch of 1 to 64 random histories (some empty) and a k, different for each call.</summary>
    private static Call RandomCall(int call)
    {
        var random = new Random(call);
        int users = BatchSizes[call % BatchSizes.Length];
        var histories = Enumerable.Range(0, users)
            .Select(_ => Enumerable.Range(0, TestModel.Items).Where(_ => random.NextDouble() < 0.1).ToArray()).ToArray();
        return new Call(histories, K: 1 + random.Next(TestModel.Items + 5));
    }

    private static Outcome Score(OnnxRecommender recommender, Call call)
    {
        var histories = CsrMatrix.FromRows(call.Histories, TestModel.Items);
        var top = recommender.Recommend(histories, call.K);
        var items = new List<int>();
        var scores = new List<float>();
        for (int u = 0; u < top.UserCount; u++)
        {
            items.AddRange(top.Items(u).ToArray());
            scores.AddRange(top.Scores(u).ToArray());
        }
        return new Outcome([.. items], [.. scores], [.. recommender.Encode(histories).SelectMany(mean => mean)]);
    }

    /// <summary>Runs call t, t + 8, t + 16, ... on thread t, the eight threads released together.</summary>
    private static T[] RunOnThreads<T>(Func<int, T> run)
    {
        var results = new T[Threads * CallsPerThread];
        var errors = new List<Exception>();
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                for (int call = t; call < results.Length; call += Threads) results[call] = run(call);
            }
            catch (Exception e)
            {
                lock (errors) errors.Add(e);
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        if (errors.Count > 0) throw new AggregateException(errors);
        return results;
    }
}
