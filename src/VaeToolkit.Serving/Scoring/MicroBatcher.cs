using System.Collections.Concurrent;
using System.Diagnostics;
using VaeToolkit.Data;
using VaeToolkit.Inference;

namespace VaeToolkit.Serving.Scoring;

/// <summary>
/// Coalesces the users of concurrent requests into one ONNX Runtime call. One thread scores: it takes
/// the first waiting user, then lets others join until the batch holds as many users as were waiting
/// at the busiest moment of the last quarter of a second, <see cref="maxUsers"/>, or <see cref="maxWait"/> has passed.
/// A lone client therefore never waits (its batches are of one), while 32 clients are scored 32 at a time.
/// </summary>
internal sealed class MicroBatcher : IDisposable
{
    // A quarter of a second: 25 rounds of 32 clients at ML-20M's shape, and when a burst ends, lone requests
    // wait for company that will not come for that long only (a whole second added up to 4 ms to a lone client's p99 in benchmark-serve).
    internal static readonly TimeSpan PeakWindow = TimeSpan.FromSeconds(0.25);

    private readonly OnnxRecommender recommender;
    private readonly int itemCount;
    private readonly int maxUsers;
    private readonly TimeSpan maxWait;
    private readonly Action<int>? onBatch;
    private readonly BlockingCollection<ScoringJob> queue = [];
    private readonly Thread thread;
    private readonly WaitingPeak waiting = new(PeakWindow, TimeProvider.System);

    /// <param name="onBatch">Told each batch's user count (for metrics).</param>
    public MicroBatcher(OnnxRecommender recommender, int itemCount, int maxUsers, TimeSpan maxWait, Action<int>? onBatch = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxUsers, 1);
        this.recommender = recommender;
        this.itemCount = itemCount;
        this.maxUsers = maxUsers;
        this.maxWait = maxWait;
        this.onBatch = onBatch;
        thread = new Thread(Run) { IsBackground = true, Name = "vaetoolkit-scoring" };
        thread.Start();
    }

    /// <summary>Ranks the <paramref name="k"/> best items for a history of distinct item indices.</summary>
    public Task<ScoredItems> ScoreAsync(int[] history, int k, bool excludeSeen)
    {
        var job = new ScoringJob(history, Math.Min(k, itemCount), excludeSeen);
        waiting.Arrived();
        try
        {
            queue.Add(job);
        }
        catch (InvalidOperationException)
        {
            waiting.Left(1);
            throw new ObjectDisposedException(nameof(MicroBatcher), "the model is being unloaded");
        }
        return job.Result.Task;
    }

    /// <summary>Scores what was queued, then stops the thread.</summary>
    public void Dispose()
    {
        queue.CompleteAdding();
        thread.Join();
        queue.Dispose();
    }

    private void Run()
    {
        var batch = new List<ScoringJob>(maxUsers);
        while (queue.TryTake(out var first, Timeout.Infinite))
        {
            batch.Add(first);
            int target = Math.Min(maxUsers, waiting.Target());
            long deadline = Stopwatch.GetTimestamp() + (long)(maxWait.TotalSeconds * Stopwatch.Frequency);
            while (batch.Count < target)
            {
                if (queue.TryTake(out var next)) { batch.Add(next); continue; }
                long left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0) break;
                int waitMs = Math.Max(1, (int)(left * 1000 / Stopwatch.Frequency));
                if (queue.TryTake(out next, waitMs)) batch.Add(next);
                else break;
            }
            Score(batch);
            waiting.Left(batch.Count);
            batch.Clear();
        }
    }

    private CsrMatrix Histories(List<ScoringJob> jobs)
    {
        var offsets = new long[jobs.Count + 1];
        for (int u = 0; u < jobs.Count; u++) offsets[u + 1] = offsets[u] + jobs[u].History.Length;
        var indices = new int[offsets[^1]];
        for (int u = 0; u < jobs.Count; u++) jobs[u].History.CopyTo(indices, offsets[u]);
        return new CsrMatrix(itemCount, offsets, indices);
    }

    private void Score(List<ScoringJob> batch)
    {
        onBatch?.Invoke(batch.Count);
        // One call per kind of request in the batch: whether history items may be recommended, and
        // whole rankings (an allow-list's) apart from short ones, whose top-k is far cheaper.
        foreach (var group in batch.GroupBy(job => (job.ExcludeSeen, Whole: job.K == itemCount)))
        {
            var jobs = group.ToList();
            try
            {
                int k = jobs.Max(job => job.K);
                var top = recommender.Recommend(Histories(jobs), k, group.Key.ExcludeSeen);
                for (int u = 0; u < jobs.Count; u++)
                {
                    int length = Math.Min(jobs[u].K, top.Length(u));
                    jobs[u].Result.SetResult(new ScoredItems(top.Items(u)[..length].ToArray(), top.Scores(u)[..length].ToArray()));
                }
            }
            catch (Exception e)
            {
                foreach (var job in jobs) job.Result.TrySetException(e);
            }
        }
    }
}
