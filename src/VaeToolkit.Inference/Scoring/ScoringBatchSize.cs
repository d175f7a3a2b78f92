namespace VaeToolkit.Inference;

/// <summary>
/// How many users one ONNX Runtime call scores when the caller does not say. On the CPU a call of a few
/// hundred to a thousand users already keeps the cores busy, and larger ones only hold more memory. A
/// GPU needs far larger calls to be kept busy between the host's calls, so on CUDA the batch is as many
/// users as give about <see cref="GpuScoresBudgetBytes"/> of fp32 scores (the graph's largest tensor,
/// users × items), within <see cref="GpuMinimum"/>..<see cref="GpuMaximum"/>.
/// </summary>
public static class ScoringBatchSize
{
    /// <summary>The scores of one call on a GPU: 1 GiB, a small share of any data-centre card's memory.</summary>
    public const long GpuScoresBudgetBytes = 1L << 30;

    public const int GpuMinimum = 1_000;

    public const int GpuMaximum = 65_536;

    /// <summary>
    /// <paramref name="cpuDefault"/> on the CPU; on <c>cuda</c> or <c>cuda:N</c>, the GPU-sized batch for
    /// <paramref name="itemCount"/> items (13,350 users at ML-20M's 20,108 items).
    /// </summary>
    public static int For(string device, int itemCount, int cpuDefault)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(itemCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cpuDefault, 1);
        if (!device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase)) return cpuDefault;
        long users = GpuScoresBudgetBytes / (sizeof(float) * (long)itemCount);
        return (int)Math.Clamp(users, GpuMinimum, GpuMaximum);
    }
}
