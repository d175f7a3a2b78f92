namespace VaeToolkit.Data.Synthetic;

/// <summary>What <see cref="MovieLensRatingsGenerator"/> wrote.</summary>
public sealed record GeneratedRatings(string Path, long Rows, int Users, int Movies, long Bytes, double Seconds);
