using VaeToolkit.Configuration;

namespace VaeToolkit.Training.Models.Ease;

/// <summary>
/// <c>model.ease</c>: the L2 weight of EASE's closed form B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹.
/// With no <see cref="Lambda"/>, λ is picked on the validation users from <see cref="LambdaGrid"/>.
/// </summary>
public sealed record EaseConfig : ModelTypeConfig
{
    /// <summary>The largest λ (and grid entry) accepted.</summary>
    public const double MaxLambda = 1e9;

    /// <summary>λ; null (the default) picks it from <see cref="LambdaGrid"/> by validation NDCG@100.</summary>
    public double? Lambda { get; init; }

    /// <summary>
    /// The values tried when <see cref="Lambda"/> is not set. Steck's ML-20M and Netflix optimum was 500 and
    /// 1000; smaller data sets want less (ml-latest-small's lies near 100-300).
    /// </summary>
    public IReadOnlyList<double> LambdaGrid { get; init; } = [50, 100, 200, 500, 1000, 2000];

    /// <summary>The EASE settings of <paramref name="config"/>: its <c>model.ease</c>, or the defaults for a config built in code without them.</summary>
    public static EaseConfig Of(VaeConfig config) => config.Model.Settings as EaseConfig ?? new();

    /// <summary>Reads <c>model.ease</c> (the registry's reader of the section).</summary>
    public static EaseConfig Read(YamlSection section)
    {
        var d = new EaseConfig();
        var ease = new EaseConfig
        {
            Lambda = section.OptionalDouble("lambda", d.Lambda, min: 0, max: MaxLambda),
            LambdaGrid = section.DoubleList("lambda_grid", d.LambdaGrid, min: 0, max: MaxLambda, maxCount: 64),
        };
        section.RejectUnknownKeys();
        return ease;
    }

    /// <summary>EASE's rule across sections: no int8 export.</summary>
    public static void Check(VaeConfig config, YamlSection root)
    {
        if (config.Export.Precision == ExportPrecisions.Int8)
            throw root.Section("export").ErrorAt("precision", ConfigErrorCodes.OutOfRange,
                "'export.precision: int8' quantises a network's output layer; EASE has none (its graph sums rows of its item-item matrix): use fp32, fp16 or bf16");
    }

    public override IEnumerable<KeyValuePair<string, string>> ToYaml() =>
    [
        new("lambda", YamlValues.Number(Lambda)),
        new("lambda_grid", YamlValues.List(LambdaGrid)),
    ];

    public bool Equals(EaseConfig? other) =>
        other is not null && Lambda == other.Lambda && LambdaGrid.SequenceEqual(other.LambdaGrid);

    public override int GetHashCode() => HashCode.Combine(Lambda, LambdaGrid.Count);
}
