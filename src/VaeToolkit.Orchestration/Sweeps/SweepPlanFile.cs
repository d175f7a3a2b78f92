using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VaeToolkit.Configuration;
using VaeToolkit.IO;
using VaeToolkit.Orchestration.Runs;

namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>
/// sweep-plan.json: the trials a sweep folder was made for, each with the hash of its resolved config.
/// A later sweep into the folder must have the same plan: then it resumes; otherwise it is refused.
/// </summary>
internal sealed record SweepPlanFile(int FormatVersion, string Kind, int? Seed, IReadOnlyList<SweepPlanFile.Entry> Trials)
{
    public const string Name = "sweep-plan.json";

    public sealed record Entry(string Name, IReadOnlyList<SweepSetting> Settings, string ConfigSha256);

    public static SweepPlanFile For(SweepPlan plan, IReadOnlyList<VaeConfig> configs) =>
        new(1, plan.Kind, plan.Seed, plan.Trials.Select((trial, i) => new Entry(trial.Name, trial.Settings, Hash(configs[i]))).ToList());

    public void Save(string directory) => AtomicFile.WriteAllText(Path.Combine(directory, Name), JsonSerializer.Serialize(this, RunManifest.Json));

    /// <summary>The plan the folder holds, or null when it holds none.</summary>
    public static SweepPlanFile? Load(string directory)
    {
        string path = Path.Combine(directory, Name);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<SweepPlanFile>(File.ReadAllText(path), RunManifest.Json) ?? throw new InvalidDataException($"{path}: empty sweep plan");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a sweep plan ({e.Message})", e);
        }
    }

    /// <summary>What differs from <paramref name="other"/>, in words, or null when the plans are the same.</summary>
    public string? Difference(SweepPlanFile other)
    {
        if (Kind != other.Kind || Seed != other.Seed)
            return $"a {Describe(Kind, Seed)} there, a {Describe(other.Kind, other.Seed)} now";
        if (Trials.Count != other.Trials.Count)
            return $"{Trials.Count} trials there, {other.Trials.Count} now";
        for (int i = 0; i < Trials.Count; i++)
        {
            if (Trials[i].Name != other.Trials[i].Name)
                return $"trial {i + 1} is {Trials[i].Name} there, {other.Trials[i].Name} now";
            if (Trials[i].ConfigSha256 != other.Trials[i].ConfigSha256)
                return $"trial {Trials[i].Name} resolves to another config now (the config file or the shared overrides changed)";
        }
        return null;
    }

    private static string Describe(string kind, int? seed) => seed is int s ? $"{kind} search with seed {s}" : kind;

    private static string Hash(VaeConfig config) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ConfigWriter.ToYaml(config))));
}
