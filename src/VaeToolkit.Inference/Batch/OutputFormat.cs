namespace VaeToolkit.Inference.Batch;

/// <summary>The file format of a batch job's output.</summary>
public enum OutputFormat
{
    Csv,
    Parquet,
}

public static class OutputFormats
{
    /// <summary><paramref name="format"/> (csv, parquet) when given, else the output path's extension: <c>.parquet</c> or CSV.</summary>
    public static OutputFormat Resolve(string outputPath, string? format) => format?.ToLowerInvariant() switch
    {
        null or "" => Path.GetExtension(outputPath).Equals(".parquet", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Parquet : OutputFormat.Csv,
        "csv" => OutputFormat.Csv,
        "parquet" => OutputFormat.Parquet,
        _ => throw new ArgumentException($"output format '{format}' is neither 'csv' nor 'parquet'", nameof(format)),
    };
}
