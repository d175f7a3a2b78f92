using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using VaeToolkit.Data;
using VaeToolkit.Training.Model;

namespace VaeToolkit.Training;

/// <summary>
/// Builds the host arrays of the coming batches on a background thread, a couple of batches ahead,
/// so that the device never waits for the host. Each batch arrives split into one list of passes per
/// replica (a replica's shard, cut into passes that fit its memory). With <c>pin</c> (a CUDA device)
/// the batches come already in pinned host memory.
/// </summary>
internal sealed class BatchPrefetcher : IDisposable
{
    private const int BatchesAhead = 2;

    private readonly BlockingCollection<HostBatch[][]> _ready = new(BatchesAhead);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _producer;
    private ExceptionDispatchInfo? _failure; // set before CompleteAdding, read after Take sees completion

    /// <param name="epochOrders">Each epoch's order of the rows, taken lazily: the batches of one epoch
    /// after another, without a pause between epochs.</param>
    public BatchPrefetcher(CsrMatrix matrix, IEnumerable<int[]> epochOrders, int batchSize, int replicas, int? maxUsersPerPass, bool pin = false)
    {
        _producer = Task.Run(() =>
        {
            try
            {
                foreach (int[] order in epochOrders)
                    for (int start = 0; start < order.Length; start += batchSize)
                        _ready.Add(Shards(matrix, order.AsSpan(start, Math.Min(batchSize, order.Length - start)), replicas, maxUsersPerPass, pin), _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Disposed before the last epoch ended.
            }
            catch (Exception e)
            {
                // Kept for Next(), which would otherwise only see the collection completed early.
                _failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                _ready.CompleteAdding();
            }
        });
    }

    /// <summary>One batch of <paramref name="rows"/>, cut into replica r's contiguous r-th shard, each cut into passes.</summary>
    private static HostBatch[][] Shards(CsrMatrix matrix, ReadOnlySpan<int> rows, int replicas, int? maxUsersPerPass, bool pin)
    {
        var shards = new HostBatch[replicas][];
        for (int r = 0; r < replicas; r++)
        {
            int shardStart = (int)((long)rows.Length * r / replicas);
            int shardEnd = (int)((long)rows.Length * (r + 1) / replicas);
            int pass = Math.Max(1, maxUsersPerPass ?? shardEnd - shardStart);
            var passes = new List<HostBatch>();
            for (int at = shardStart; at < shardEnd; at += pass)
            {
                var batch = HostBatch.Build(matrix, rows[at..Math.Min(at + pass, shardEnd)]);
                if (pin) batch.Pin();
                passes.Add(batch);
            }
            shards[r] = [.. passes];
        }
        return shards;
    }

    /// <summary>
    /// The next batch: for each replica, its passes. When building a batch failed, the batches built
    /// before it arrive first, then this rethrows the builder's own exception (type and stack kept).
    /// </summary>
    public HostBatch[][] Next()
    {
        if (_ready.TryTake(out HostBatch[][]? batch, Timeout.Infinite)) return batch;
        _failure?.Throw();
        throw new InvalidOperationException("no batch is left: every batch of the epochs has been delivered");
    }

    public void Dispose()
    {
        _stop.Cancel();
        try { _producer.Wait(); } catch (AggregateException) { }
        _ready.Dispose();
        _stop.Dispose();
    }
}
