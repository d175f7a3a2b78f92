namespace VaeToolkit.Data;

/// <summary>
/// Users kept out of training. Each one's items are split into fold-in items (the model's input) and
/// target items (what it should predict). Rows of both matrices line up with <see cref="UserIds"/>.
/// </summary>
public sealed record HeldOutUsers(string[] UserIds, CsrMatrix FoldIn, CsrMatrix Targets)
{
    public int Count => UserIds.Length;

    /// <summary>Users that have at least one target item: the ones a metric averages over.</summary>
    public int UsersWithTargets
    {
        get
        {
            int count = 0;
            for (int u = 0; u < Targets.RowCount; u++)
                if (Targets.RowLength(u) > 0) count++;
            return count;
        }
    }
}
