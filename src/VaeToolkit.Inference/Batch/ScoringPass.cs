using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using VaeToolkit.Data;

namespace VaeToolkit.Inference.Batch;

/// <summary>
/// The second pass of a batch job as a three-stage pipeline, so that the engine is not kept waiting:
/// one thread reads the spill files back and groups them into batches (<see cref="SpilledUsers"/>), the
/// calling thread scores each batch, and one thread writes the results, two batches of slack between
/// stages. The counts are read after <see cref="Run"/> returns.
/// </summary>
internal sealed class ScoringPass<TScores>(UserPartitioner partitioner, int itemCount, int batchSize, IProgress<BatchScoringProgress>? progress)
{
    private const int Slack = 2;

    private readonly List<string> skippedUsers = [];

    public int Users { get; private set; }

    public int UsersWritten { get; private set; }

    public long Rows { get; private set; }

    public int SkippedUserCount { get; private set; }

    /// <summary>The first <see cref="BatchJob.SkippedUsersListed"/> users without a known item.</summary>
    public IReadOnlyList<string> SkippedUsers => skippedUsers;

    public void Run(IBatchSink<TScores> sink, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var batches = new BlockingCollection<UserBatch>(Slack);
        using var scored = new BlockingCollection<(UserBatch Batch, TScores Scores)>(Slack);
        var watch = Stopwatch.StartNew();
        long entriesToScore = partitioner.RowsInShard - partitioner.UnknownInteractions;

        Task Stage(Action work, BlockingCollection<UserBatch>? completes) => Task.Run(() =>
        {
            try { work(); }
            catch { stop.Cancel(); throw; }
            finally { completes?.CompleteAdding(); }
        });

        var reader = Stage(() => ReadBatches(batches, stop.Token), batches);
        var writer = Stage(() =>
        {
            long entries = 0;
            foreach (var (batch, scores) in scored.GetConsumingEnumerable(stop.Token))
            {
                Rows += sink.Write(batch.UserIds, scores);
                UsersWritten += batch.UserIds.Count;
                entries += batch.Histories.NonZeroCount;
                double fraction = entriesToScore <= 0 ? 1 : Math.Min(1, (double)entries / entriesToScore);
                double seconds = watch.Elapsed.TotalSeconds;
                progress?.Report(new BatchScoringProgress("scoring", fraction, UsersWritten, UsersWritten / seconds,
                    fraction > 0 ? TimeSpan.FromSeconds(seconds * (1 - fraction) / fraction) : null));
            }
            sink.Complete();
        }, null);

        try
        {
            foreach (var batch in batches.GetConsumingEnumerable(stop.Token))
                scored.Add((batch, sink.Score(batch.Histories)), stop.Token);
            scored.CompleteAdding();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Another stage failed and stopped the pipeline: its error is the one to report, below.
        }
        catch
        {
            stop.Cancel();
            Wait(reader, writer, rethrow: false);
            throw;
        }
        Wait(reader, writer, rethrow: true);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private void ReadBatches(BlockingCollection<UserBatch> batches, CancellationToken cancellationToken)
    {
        var pending = new List<(string UserId, int[] Items)>(batchSize);
        for (int b = 0; b < partitioner.BucketCount; b++)
        {
            var bucket = SpilledUsers.Read(partitioner.BucketPaths[b], partitioner.Records[b]);
            File.Delete(partitioner.BucketPaths[b]);
            Users += bucket.Count;
            foreach (var user in bucket)
            {
                if (user.Items.Length == 0)
                {
                    if (skippedUsers.Count < BatchJob.SkippedUsersListed) skippedUsers.Add(user.UserId);
                    SkippedUserCount++;
                    continue;
                }
                pending.Add(user);
                if (pending.Count == batchSize) Flush();
            }
            Flush();
        }

        void Flush()
        {
            if (pending.Count == 0) return;
            batches.Add(new UserBatch(pending.ConvertAll(user => user.UserId), Histories(pending, itemCount)), cancellationToken);
            pending.Clear();
        }
    }

    private static CsrMatrix Histories(List<(string UserId, int[] Items)> users, int itemCount)
    {
        var offsets = new long[users.Count + 1];
        for (int u = 0; u < users.Count; u++) offsets[u + 1] = offsets[u] + users[u].Items.Length;
        var indices = new int[offsets[^1]];
        for (int u = 0; u < users.Count; u++) users[u].Items.CopyTo(indices, offsets[u]);
        return new CsrMatrix(itemCount, offsets, indices);
    }

    /// <summary>Waits for the other stages; with <paramref name="rethrow"/>, throws the first failure that is not the pipeline's own stop.</summary>
    private static void Wait(Task reader, Task writer, bool rethrow)
    {
        try
        {
            Task.WaitAll(reader, writer);
        }
        catch (AggregateException e) when (rethrow)
        {
            var failure = e.InnerExceptions.FirstOrDefault(inner => inner is not OperationCanceledException) ?? e.InnerExceptions[0];
            ExceptionDispatchInfo.Throw(failure);
        }
        catch (AggregateException)
        {
        }
    }

    private sealed record UserBatch(List<string> UserIds, CsrMatrix Histories);
}
