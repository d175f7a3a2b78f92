namespace VaeToolkit.Data.Synthetic;

/// <summary>The shape of a synthetic MovieLens <c>ratings.csv</c>; the defaults are those of ML-20M.</summary>
public sealed record RatingsGeneratorSettings
{
    public long Rows { get; init; } = 20_000_263;

    public int Users { get; init; } = 138_493;

    public int Movies { get; init; } = 26_744;

    public int Seed { get; init; } = 1;
}
