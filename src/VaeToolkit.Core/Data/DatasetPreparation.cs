namespace VaeToolkit.Data;

/// <summary>A prepared data set and its report.</summary>
public sealed record DatasetPreparation(PreparedDataset Dataset, DatasetReport Report);
