namespace VaeToolkit.Data;

/// <summary>
/// A data set after preprocessing: training users' interactions, validation and test users split into
/// fold-in and targets, and the maps from internal item indices to original ids (and names).
/// </summary>
public sealed record PreparedDataset
{
    /// <summary>A short name for reports, such as <c>ml-latest-small</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Original item id of each internal item index (the items of training users).</summary>
    public required string[] ItemIds { get; init; }

    /// <summary>Display name of each item, or null when no item names were configured.</summary>
    public string[]? ItemNames { get; init; }

    /// <summary>Original id of each training user; rows of <see cref="Train"/> line up with it.</summary>
    public required string[] TrainUserIds { get; init; }

    public required CsrMatrix Train { get; init; }

    public required HeldOutUsers Validation { get; init; }

    public required HeldOutUsers Test { get; init; }

    /// <summary>A fingerprint of the source data and the preparation settings.</summary>
    public required string DataHash { get; init; }

    public int ItemCount => ItemIds.Length;
}
