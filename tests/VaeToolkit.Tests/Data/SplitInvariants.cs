using VaeToolkit.Data;

namespace VaeToolkit.Tests.Data;

/// <summary>What every prepared data set must satisfy, whatever its source.</summary>
internal static class SplitInvariants
{
    public static void AssertHold(PreparedDataset dataset, int heldoutUsers, double targetFraction)
    {
        Assert.Equal(heldoutUsers, dataset.Validation.Count);
        Assert.Equal(heldoutUsers, dataset.Test.Count);
        Assert.Equal(dataset.TrainUserIds.Length, dataset.Train.RowCount);

        // No user in two parts, nor twice in one.
        string[] all = DataFixtures.AllUserIds(dataset);
        Assert.Equal(all.Length, all.Distinct().Count());

        Assert.Equal(dataset.ItemCount, dataset.ItemIds.Distinct().Count());
        AssertRowsValid(dataset.Train, dataset.ItemCount);
        // Every item is some training user's item.
        Assert.DoesNotContain(0, dataset.Train.ColumnCounts());

        foreach (HeldOutUsers heldOut in new[] { dataset.Validation, dataset.Test })
        {
            AssertRowsValid(heldOut.FoldIn, dataset.ItemCount);
            AssertRowsValid(heldOut.Targets, dataset.ItemCount);
            Assert.Equal(heldOut.Count, heldOut.FoldIn.RowCount);
            Assert.Equal(heldOut.Count, heldOut.Targets.RowCount);
            for (int u = 0; u < heldOut.Count; u++)
            {
                int[] foldIn = heldOut.FoldIn.Row(u).ToArray();
                int[] targets = heldOut.Targets.Row(u).ToArray();
                Assert.Empty(foldIn.Intersect(targets));
                int n = foldIn.Length + targets.Length;
                int expectedTargets = n >= 5 ? (int)Math.Floor(targetFraction * n) : 0;
                Assert.True(expectedTargets == targets.Length, $"user {heldOut.UserIds[u]} has {n} items and {targets.Length} targets, not {expectedTargets}");
            }
        }
    }

    /// <summary>The CSR contract: indices in range, each row strictly ascending.</summary>
    private static void AssertRowsValid(CsrMatrix matrix, int itemCount)
    {
        Assert.Equal(itemCount, matrix.ColumnCount);
        for (int r = 0; r < matrix.RowCount; r++)
        {
            ReadOnlySpan<int> row = matrix.Row(r);
            for (int i = 0; i < row.Length; i++)
            {
                Assert.InRange(row[i], 0, itemCount - 1);
                if (i > 0) Assert.True(row[i - 1] < row[i], $"row {r} is not strictly ascending");
            }
        }
    }

    /// <summary>Whether two preparations are the same in every id, index and hash.</summary>
    public static void AssertIdentical(PreparedDataset expected, PreparedDataset actual)
    {
        Assert.Equal(expected.DataHash, actual.DataHash);
        Assert.Equal(expected.ItemIds, actual.ItemIds);
        Assert.Equal(expected.TrainUserIds, actual.TrainUserIds);
        AssertSame(expected.Train, actual.Train);
        foreach (var (e, a) in new[] { (expected.Validation, actual.Validation), (expected.Test, actual.Test) })
        {
            Assert.Equal(e.UserIds, a.UserIds);
            AssertSame(e.FoldIn, a.FoldIn);
            AssertSame(e.Targets, a.Targets);
        }
    }

    private static void AssertSame(CsrMatrix expected, CsrMatrix actual)
    {
        Assert.Equal(expected.ColumnCount, actual.ColumnCount);
        Assert.Equal(expected.RowOffsets, actual.RowOffsets);
        Assert.Equal(expected.Indices, actual.Indices);
    }
}
