namespace VaeToolkit.Data;

/// <summary>What reading the source found: data rows, and the positive ones among them (before deduplication and filters).</summary>
internal sealed record SourceCounts(long RowsRead, long Positives);
