using System.Globalization;

namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>
/// The trials of a sweep: every combination of a grid, or samples of a random search drawn with a seed.
/// Dimensions are taken in key order (ordinal), whatever order they were given in, so the same
/// settings always give the same trials and folder names.
/// </summary>
public sealed record SweepPlan(string Kind, int? Seed, IReadOnlyList<SweepTrial> Trials)
{
    public const string GridKind = "grid";
    public const string RandomKind = "random";

    /// <summary>Significant digits a drawn value keeps: the value trained with is the value recorded and shown.</summary>
    private const int DrawnDigits = 4;

    /// <summary>Every combination of the choices; the last key varies fastest.</summary>
    public static SweepPlan Grid(IEnumerable<SweepDimension> dimensions)
    {
        var ordered = Order(dimensions);
        var choices = ordered.Select(d => d as SweepChoice
            ?? throw new ArgumentException($"sweep key '{d.Key}': a grid takes lists of values; a range needs a random search (-Samples)")).ToList();
        IEnumerable<IReadOnlyList<SweepSetting>> combinations = [[]];
        foreach (var choice in choices)
            combinations = combinations.SelectMany(settings => choice.Values.Select(value => (IReadOnlyList<SweepSetting>)[.. settings, new SweepSetting(choice.Key, value)])).ToList();
        var all = combinations.ToList();
        return new SweepPlan(GridKind, null, all.Select((settings, i) => SweepTrial.Create(i + 1, all.Count, settings)).ToList());
    }

    /// <summary>
    /// <paramref name="samples"/> trials, each drawing every dimension independently: one of a choice's values,
    /// or a value in a range (rounded to 4 significant digits, or a whole number for an integer range).
    /// The same seed gives the same trials.
    /// </summary>
    public static SweepPlan Random(IEnumerable<SweepDimension> dimensions, int samples, int seed)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "a random search needs at least one sample");
        var ordered = Order(dimensions);
        var random = new Random(seed);
        var trials = new List<SweepTrial>(samples);
        for (int i = 0; i < samples; i++)
        {
            var settings = ordered.Select(d => new SweepSetting(d.Key, d switch
            {
                SweepChoice choice => choice.Values[random.Next(choice.Values.Count)],
                SweepRange range => Draw(range, random),
                _ => throw new ArgumentException($"sweep key '{d.Key}': unknown kind of dimension"),
            })).ToList();
            trials.Add(SweepTrial.Create(i + 1, samples, settings));
        }
        return new SweepPlan(RandomKind, seed, trials);
    }

    /// <summary>One value in the range, as override text.</summary>
    internal static string Draw(SweepRange range, Random random)
    {
        double u = random.NextDouble();
        if (range.Integer)
        {
            long min = (long)Math.Ceiling(range.Min), max = (long)Math.Floor(range.Max);
            // Log scale: draw in [log min, log(max + 1)) so that every whole number keeps its share of the logarithm.
            long value = range.Scale == SweepScale.Log
                ? (long)Math.Floor(Math.Exp(Math.Log(min) + u * (Math.Log(max + 1) - Math.Log(min))))
                : min + (long)Math.Floor(u * (max - min + 1));
            return Math.Clamp(value, min, max).ToString(CultureInfo.InvariantCulture);
        }
        double drawn = range.Scale == SweepScale.Log
            ? Math.Exp(Math.Log(range.Min) + u * (Math.Log(range.Max) - Math.Log(range.Min)))
            : range.Min + u * (range.Max - range.Min);
        double rounded = Math.Clamp(double.Parse(drawn.ToString($"G{DrawnDigits}", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), range.Min, range.Max);
        return rounded.ToString("R", CultureInfo.InvariantCulture);
    }

    private static List<SweepDimension> Order(IEnumerable<SweepDimension> dimensions)
    {
        var list = dimensions.OrderBy(d => d.Key, StringComparer.Ordinal).ToList();
        if (list.Count == 0) throw new ArgumentException("a sweep needs at least one setting to vary");
        foreach (var group in list.GroupBy(d => d.Key, StringComparer.Ordinal).Where(g => g.Count() > 1))
            throw new ArgumentException($"sweep key '{group.Key}' is given more than once");
        foreach (var dimension in list) Check(dimension);
        return list;
    }

    private static void Check(SweepDimension dimension)
    {
        if (string.IsNullOrWhiteSpace(dimension.Key) || dimension.Key.Contains('='))
            throw new ArgumentException($"sweep key '{dimension.Key}' must look like section.key");
        switch (dimension)
        {
            case SweepChoice { Values.Count: 0 }:
                throw new ArgumentException($"sweep key '{dimension.Key}' has no values");
            case SweepRange r when !double.IsFinite(r.Min) || !double.IsFinite(r.Max) || r.Min > r.Max:
                throw new ArgumentException($"sweep key '{r.Key}': the range {r.Min:G}..{r.Max:G} is empty or not finite (Min must not exceed Max)");
            case SweepRange { Scale: SweepScale.Log } r when r.Min <= 0:
                throw new ArgumentException($"sweep key '{r.Key}': a log-scale range needs Min above 0 (got {r.Min:G})");
            case SweepRange { Integer: true } r when Math.Ceiling(r.Min) > Math.Floor(r.Max):
                throw new ArgumentException($"sweep key '{r.Key}': the range {r.Min:G}..{r.Max:G} holds no whole number");
        }
    }
}
