using System.Globalization;

namespace VaeToolkit.Inference.Batch;

/// <summary>
/// One of <see cref="Count"/> disjoint parts of a batch job's users: user ids whose stable hash
/// (<see cref="Hash"/>) modulo <see cref="Count"/> is <see cref="Index"/>. The hash depends on the id's
/// bytes alone, so every worker, on any machine, agrees on who belongs where.
/// </summary>
public sealed record ShardSpec(int Index, int Count)
{
    public static ShardSpec Whole { get; } = new(0, 1);

    public bool IsWhole => Count == 1;

    public bool Contains(ReadOnlySpan<byte> userIdUtf8) => Contains(Hash(userIdUtf8));

    /// <summary>Whether the user whose id hashes (<see cref="Hash"/>) to <paramref name="hash"/> is in this shard.</summary>
    public bool Contains(ulong hash) => hash % (ulong)Count == (ulong)Index;

    /// <summary>64-bit FNV-1a of the id's UTF-8 bytes: simple to reproduce in any language.</summary>
    public static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in bytes)
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash;
    }

    /// <summary>"3/10": the 0-based index and the count.</summary>
    public override string ToString() => $"{Index}/{Count}";

    /// <summary>
    /// <c>i/N</c> (0-based), or <c>auto/N</c> for the index from the launcher's environment (Kubernetes Indexed
    /// Jobs' <c>JOB_COMPLETION_INDEX</c>, Slurm's <c>SLURM_ARRAY_TASK_ID</c> less <c>SLURM_ARRAY_TASK_MIN</c>), or
    /// <c>auto</c> for both from Slurm (<c>SLURM_ARRAY_TASK_COUNT</c>).
    /// </summary>
    public static ShardSpec Parse(string text, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string[] parts = text.Trim().Split('/');
        if (parts.Length == 1 && parts[0] == "auto")
        {
            int count = EnvironmentNumber(environment, "SLURM_ARRAY_TASK_COUNT")
                ?? throw new FormatException($"shard 'auto' takes the shard count from SLURM_ARRAY_TASK_COUNT, which is not set; give the count as 'auto/N'");
            return Create(IndexFromEnvironment(environment), count, text);
        }
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int total))
            throw new FormatException($"shard '{text}' is not 'i/N', 'auto/N' or 'auto'");
        int index = parts[0] == "auto" ? IndexFromEnvironment(environment)
            : int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int given) ? given
            : throw new FormatException($"shard '{text}' is not 'i/N', 'auto/N' or 'auto'");
        return Create(index, total, text);
    }

    private static ShardSpec Create(int index, int count, string text)
    {
        if (count < 1) throw new FormatException($"shard '{text}': the shard count must be at least 1");
        if (index >= count) throw new FormatException($"shard '{text}': the index must be below the count {count} (indices start at 0)");
        return new ShardSpec(index, count);
    }

    private static int IndexFromEnvironment(Func<string, string?> environment)
    {
        if (EnvironmentNumber(environment, "JOB_COMPLETION_INDEX") is int kubernetes) return kubernetes;
        if (EnvironmentNumber(environment, "SLURM_ARRAY_TASK_ID") is int slurm) return slurm - (EnvironmentNumber(environment, "SLURM_ARRAY_TASK_MIN") ?? 0);
        throw new FormatException("the shard index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm job array), and neither is set");
    }

    private static int? EnvironmentNumber(Func<string, string?> environment, string name)
    {
        string? value = environment(name);
        if (value is null) return null;
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number)
            ? number
            : throw new FormatException($"{name} is '{value}', not a non-negative number");
    }
}
