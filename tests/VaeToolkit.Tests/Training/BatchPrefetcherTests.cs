using VaeToolkit.Data;
using VaeToolkit.Training;
using VaeToolkit.Training.Model;

namespace VaeToolkit.Tests.Training;

public sealed class BatchPrefetcherTests
{
    private static readonly CsrMatrix Matrix = CsrMatrix.FromRows([[0, 1], [2], [1, 3], [0]], 4);

    [Fact]
    public void Next_DeliversTheBatchesInOrderThenSaysNoneIsLeft()
    {
        using var prefetcher = new BatchPrefetcher(Matrix, [[3, 2, 1, 0]], batchSize: 3, replicas: 1, maxUsersPerPass: null);

        Assert.Equal(3, prefetcher.Next()[0][0].Users);
        Assert.Equal(1, prefetcher.Next()[0][0].Users);
        var error = Assert.Throws<InvalidOperationException>(prefetcher.Next);
        Assert.Contains("no batch is left", error.Message);
    }

    [Fact]
    public void Next_RethrowsTheProducersOwnError_WithItsTypeAndStack()
    {
        using var prefetcher = new BatchPrefetcher(Matrix, FailingOrders(), batchSize: 4, replicas: 1, maxUsersPerPass: null);

        Assert.Equal(4, prefetcher.Next()[0][0].Users); // the batch built before the failure still arrives
        var error = Assert.Throws<OutOfMemoryException>(prefetcher.Next);
        Assert.Equal("pinned host memory is exhausted", error.Message);
        Assert.Contains(nameof(FailingOrders), error.StackTrace);
        // Every later call says the same, rather than that the batches ran out.
        Assert.Throws<OutOfMemoryException>(prefetcher.Next);
    }

    [Fact]
    public void Next_RethrowsABuildErrorOfTheBatchBuilder()
    {
        // Row 9 is outside the 4-row matrix: HostBatch.Build fails on the background thread.
        using var prefetcher = new BatchPrefetcher(Matrix, [[0, 9]], batchSize: 2, replicas: 1, maxUsersPerPass: null);

        var error = Assert.Throws<IndexOutOfRangeException>(prefetcher.Next);
        // The stack is the background thread's; the JIT may inline Build into the prefetcher's Shards.
        Assert.Matches($@"{nameof(HostBatch)}\.{nameof(HostBatch.Build)}|{nameof(BatchPrefetcher)}\.Shards", error.StackTrace);
    }

    /// <summary>One epoch's order, then the failure of the next (as pinning a batch fails when pinned memory runs out).</summary>
    private static IEnumerable<int[]> FailingOrders()
    {
        yield return [0, 1, 2, 3];
        throw new OutOfMemoryException("pinned host memory is exhausted");
    }
}
