using System.Diagnostics;

namespace VaeToolkit.Tests.Fuzz;

/// <summary>
/// Feeds seeded mutations of each <see cref="FuzzTarget"/> to its reader, each under a timeout. An input must
/// give a result or a located error; anything else (another exception, an error not naming the file, a hang)
/// is a <see cref="FuzzFailure"/>.
/// </summary>
internal sealed class TextInputFuzzer(IReadOnlyList<FuzzTarget> targets, string scratch, TimeSpan timeout)
{
    /// <summary>Runs inputs <c>0, 1, ...</c> of <paramref name="seed"/> until <paramref name="inputs"/> are tried or <paramref name="duration"/> is over.</summary>
    public FuzzSummary Run(int seed, int inputs = int.MaxValue, TimeSpan? duration = null)
    {
        var summary = new FuzzSummary(seed);
        var clock = Stopwatch.StartNew();
        for (int index = 0; index < inputs && (duration is null || clock.Elapsed < duration); index++)
        {
            FuzzTarget target = targets[index % targets.Count];
            var random = new Random(unchecked(seed * 1_000_003 + index)); // not HashCode.Combine, which differs per process
            var (input, mutation) = TextMutator.Mutate(target.Seed, random);
            summary.Tried(target.Name);
            if (Check(target, input) is string problem)
                summary.Failures.Add(new FuzzFailure(target.Name, target.FileName, seed, index, mutation, problem, input));
        }
        summary.Seconds = clock.Elapsed.TotalSeconds;
        return summary;
    }

    /// <summary>Null when the input gave a result or a located error; else what went wrong.</summary>
    public string? Check(FuzzTarget target, byte[] input)
    {
        string folder = Path.Combine(scratch, Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, target.FileName);
        File.WriteAllBytes(path, input);
        var read = Task.Factory.StartNew(() => target.Read(path), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            if (!read.Wait(timeout)) return $"no answer within {timeout.TotalSeconds:F0} s";
            return null;
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            Exception error = e.InnerExceptions[0];
            return target.IsLocated(error, path) ? null : $"{error.GetType().Name}: {error.Message} {error.StackTrace?.Split('\n')[0].Trim()}";
        }
        finally
        {
            if (read.IsCompleted) TryDelete(folder);
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>An input that gave neither a result nor a located error; replay it with <see cref="TextInputFuzzer.Run"/> and the seed.</summary>
internal sealed record FuzzFailure(string Target, string FileName, int Seed, int Index, string Mutation, string Problem, byte[] Input)
{
    public override string ToString() => $"{Target} seed {Seed} input {Index} ({Mutation}): {Problem}";
}

internal sealed class FuzzSummary(int seed)
{
    public int Seed { get; } = seed;

    public Dictionary<string, int> InputsByTarget { get; } = [];

    public int Inputs => InputsByTarget.Values.Sum();

    public List<FuzzFailure> Failures { get; } = [];

    public double Seconds { get; set; }

    public void Tried(string target) => InputsByTarget[target] = InputsByTarget.GetValueOrDefault(target) + 1;

    public override string ToString() =>
        $"seed {Seed}: {Inputs} inputs in {Seconds:F1} s ({string.Join(", ", InputsByTarget.Select(t => $"{t.Key} {t.Value}"))}), {Failures.Count} failures" +
        string.Concat(Failures.Take(20).Select(f => $"\n  {f}"));
}
