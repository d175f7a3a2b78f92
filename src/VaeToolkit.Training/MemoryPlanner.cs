using TorchSharp;
using static TorchSharp.torch;

namespace VaeToolkit.Training;

/// <summary>
/// Caps how many users one forward/backward pass takes so that it fits the device's free memory.
/// A batch larger than that is trained as several passes whose gradients accumulate, which gives the
/// same update as one pass over the whole batch.
/// </summary>
public static class MemoryPlanner
{
    /// <summary>Share of the free memory a pass may use; the rest absorbs fragmentation and workspaces.</summary>
    public const double UsableShare = 0.8;

    /// <summary>
    /// The most users per pass, given the free device memory before the first step (the weights are
    /// already allocated). Reserved first: the gradients, Adam's two moments and one transient gradient
    /// as a layer's backward result is added to its gradient (4 × 4 bytes per parameter); in mixed
    /// precision also the dense layers' half-precision weights and their gradients, padded copies
    /// included (8 bytes per dense parameter). Per user a pass holds the logits, their log-softmax and
    /// gradient in fp32 (12 bytes per item), plus the half-precision logits and gradient in mixed precision.
    /// </summary>
    public static int MaxUsersPerPass(long freeBytes, int items, long parameterCount, long denseParameterCount, ScalarType computeType)
    {
        bool half = computeType != ScalarType.Float32;
        long reserved = 4 * 4 * parameterCount + (half ? 8 * denseParameterCount : 0);
        long bytesPerUser = (long)items * (12 + (half ? 4 : 0));
        double usable = UsableShare * (freeBytes - reserved);
        long users = (long)(usable / bytesPerUser);
        if (users < 1)
            throw new InvalidOperationException(
                $"the model does not fit: its {parameterCount:N0} parameters need {Gib(4 * parameterCount + reserved)} GiB with gradients and Adam state, " +
                $"but only {Gib(freeBytes + 4 * parameterCount)} GiB are free on the device; use smaller encoder_dims or fewer items");
        return (int)Math.Min(users, int.MaxValue);
    }

    /// <summary>
    /// Users per pass for a trainer of <paramref name="replicas"/> replicas of <paramref name="model"/>:
    /// <paramref name="configured"/> when set; else, on CUDA, the most that fit the free memory when that is
    /// less than a replica's share of a batch of <paramref name="batchSize"/>; else null (the whole share fits).
    /// </summary>
    internal static int? UsersPerPass(int? configured, Device device, Model.MultVae model, int itemCount, int batchSize, int replicas)
    {
        if (configured is not null || QueryCuda(device) is not var (free, _)) return configured;
        long parameterCount = model.parameters().Sum(p => p.numel());
        int perPass = MaxUsersPerPass(free, itemCount, parameterCount, model.DenseParameterCount, model.ComputeType);
        int perReplica = (batchSize + replicas - 1) / replicas;
        return perPass < perReplica ? perPass : null;
    }

    /// <summary>Free and total memory of a CUDA device through the CUDA runtime; null when it cannot be asked.</summary>
    public static (long Free, long Total)? QueryCuda(Device device) =>
        device.type == DeviceType.CUDA ? CudaRuntime.MemoryInfo(Math.Max(device.index, 0)) : null;

    private static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
