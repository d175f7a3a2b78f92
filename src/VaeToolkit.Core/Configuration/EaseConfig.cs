namespace VaeToolkit.Configuration;

/// <summary>
/// <c>model.ease</c>: the L2 weight of EASE's closed form B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹.
/// With no <see cref="Lambda"/>, λ is picked on the validation users from <see cref="LambdaGrid"/>.
/// </summary>
public sealed record EaseConfig
{
    /// <summary>λ; null (the default) picks it from <see cref="LambdaGrid"/> by validation NDCG@100.</summary>
    public double? Lambda { get; init; }

    /// <summary>
    /// The values tried when <see cref="Lambda"/> is not set. Steck's ML-20M and Netflix optimum was 500 and
    /// 1000; smaller data sets want less (ml-latest-small's lies near 100-300).
    /// </summary>
    public IReadOnlyList<double> LambdaGrid { get; init; } = [50, 100, 200, 500, 1000, 2000];

    public bool Equals(EaseConfig? other) =>
        other is not null && Lambda == other.Lambda && LambdaGrid.SequenceEqual(other.LambdaGrid);

    public override int GetHashCode() => HashCode.Combine(Lambda, LambdaGrid.Count);
}
