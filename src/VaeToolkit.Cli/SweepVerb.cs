using System.Globalization;
using VaeToolkit.Configuration;
using VaeToolkit.Orchestration.Sweeps;

namespace VaeToolkit.Cli;

/// <summary>
/// <c>vaetoolkit sweep</c>: Invoke-VaeSweep's console twin. <c>--grid key=v1,v2</c> (repeatable) is every
/// combination; with <c>--samples N</c> the grids are choices and <c>--range key=min:max[:log]</c> ranges of a
/// random search seeded by <c>--seed</c>. Prints the results table (sweep.json) on standard output.
/// </summary>
internal static class SweepVerb
{
    /// <param name="allDone">False when a trial failed (exit code 3: the others finished).</param>
    public static CliText Run(CommandLine line, TextWriter error, CancellationToken cancellationToken, out bool allDone)
    {
        line.OnlyAllow("config", "output", "grid", "range", "samples", "seed", "parallel", "set", "device", "precision", "gpus");
        var dimensions = line.Values("grid").Select(Choice).Concat<SweepDimension>(line.Values("range").Select(Range)).ToList();
        int? samples = line.Int("samples", 1, 10_000);
        if (samples is null && line.Value("seed") is not null) throw new UsageException("--seed needs --samples (a random search)");
        if (dimensions.Count == 0) throw new UsageException("give --grid (and --range with --samples) to say what to vary");
        var plan = samples is int n ? SweepPlan.Random(dimensions, n, line.Int("seed", int.MinValue, int.MaxValue) ?? 1) : SweepPlan.Grid(dimensions);

        var overrides = line.Values("set").ToList();
        foreach (string key in new[] { "device", "precision", "gpus" })
            if (line.Value(key) is string value) overrides.Add($"{key}={value}");
        var request = new SweepRequest(line.Required("config"), overrides, plan, line.Required("output"), line.Int("parallel", 1, 64) ?? 1);
        var result = SweepRunner.Run(request, new TrialPrinter(error), new LinePrinter(error), cancellationToken);
        allDone = result.Trials.All(trial => trial.Status != SweepTrialStatus.Failed);
        return new CliText(SweepResultsFile.ToJson(result) + Environment.NewLine);
    }

    private static SweepChoice Choice(string option)
    {
        var (key, values) = Split(option, "--grid", "key=v1,v2");
        return new SweepChoice(key, values.Split(',').Select(value => value.Trim()).ToList());
    }

    private static SweepRange Range(string option)
    {
        var (key, bounds) = Split(option, "--range", "key=min:max[:log]");
        string[] parts = bounds.Split(':');
        if (parts.Length is < 2 or > 3 || (parts.Length == 3 && parts[2] is not ("log" or "linear")))
            throw new UsageException($"--range {option} must look like key=min:max or key=min:max:log");
        var scale = parts.Length == 3 && parts[2] == "log" ? SweepScale.Log : SweepScale.Linear;
        // Whole-number bounds draw whole numbers (batch sizes, widths), as Invoke-VaeSweep's integer Min and Max do.
        bool integer = long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out _) && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
        return new SweepRange(key, Number(option, parts[0]), Number(option, parts[1]), scale, integer);
    }

    private static (string Key, string Value) Split(string option, string name, string shape)
    {
        int equals = option.IndexOf('=');
        if (equals <= 0 || equals == option.Length - 1) throw new UsageException($"{name} {option} must look like {shape}");
        return (option[..equals].Trim(), option[(equals + 1)..]);
    }

    private static double Number(string option, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new UsageException($"--range {option}: '{text}' is not a number");

    /// <summary>A line on standard error as each trial ends.</summary>
    private sealed class TrialPrinter(TextWriter error) : IProgress<SweepProgress>
    {
        public void Report(SweepProgress value)
        {
            if (value.Finished is not { } trial) return;
            string score = trial.BestValidationNdcgAt100 is double ndcg ? string.Create(CultureInfo.InvariantCulture, $"  validation NDCG@100 {ndcg:F4}") : "";
            lock (error) error.WriteLine($"trial {value.TrialsDone}/{value.Trials} {trial.Trial.Name}: {trial.Status}{score}");
        }
    }

    private sealed class LinePrinter(TextWriter error) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (error) error.WriteLine(value);
        }
    }
}
