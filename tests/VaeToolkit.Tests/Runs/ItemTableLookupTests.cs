using VaeToolkit.Runs;

namespace VaeToolkit.Tests.Runs;

public sealed class ItemTableLookupTests
{
    [Fact]
    public void Resolve_GivesKnownIndicesAndUnknownIds_EachOnce_InOrderOfFirstAppearance()
    {
        var table = new ItemTable(["a", "b", "c", "d"], [4, 3, 2, 1]);

        var (known, unknown) = table.Resolve(["c", "x", "a", "c", "y", "x", "d"]);

        Assert.Equal([2, 0, 3], known);
        Assert.Equal(["x", "y"], unknown);
    }

    [Fact]
    public void Resolve_OfNothing_IsEmpty()
    {
        var (known, unknown) = new ItemTable(["a"], [1]).Resolve([]);

        Assert.Empty(known);
        Assert.Empty(unknown);
    }

    [Fact]
    public void RankByPopularity_IsHighestCountFirst_TiesInIndexOrder()
    {
        var table = new ItemTable(["a", "b", "c", "d", "e"], [2, 7, 2, 0, 7]);

        Assert.Equal([1, 4, 0, 2, 3], table.RankByPopularity());
    }
}
