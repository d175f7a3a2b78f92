namespace VaeToolkit.Data;

/// <summary>How many items the kept users have (training rows, and fold-in plus targets of held-out users): nearest-rank percentiles and the mean.</summary>
public sealed record ItemsPerUserPercentiles(int Min, int P10, int P25, int P50, int P75, int P90, int P99, int Max, double Mean)
{
    public static ItemsPerUserPercentiles Of(int[] counts)
    {
        if (counts.Length == 0) return new(0, 0, 0, 0, 0, 0, 0, 0, 0);
        int[] sorted = counts.Order().ToArray();
        int At(double percent) => sorted[Math.Max(0, (int)Math.Ceiling(percent / 100 * sorted.Length) - 1)];
        return new(sorted[0], At(10), At(25), At(50), At(75), At(90), At(99), sorted[^1], sorted.Average(c => (double)c));
    }
}
