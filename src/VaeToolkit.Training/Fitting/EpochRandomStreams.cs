using TorchSharp;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Fitting;

/// <summary>
/// The random numbers of an epoch, each a function of the config seed, the epoch and the replica alone, so
/// that a run resumed at an epoch boundary draws exactly what the uninterrupted run would have and a
/// checkpoint needs no random state: the order the users are shuffled in (<see cref="Shuffler"/>) and the
/// stream of the dropout masks and latent noise (<see cref="Generator"/>).
/// </summary>
internal static class EpochRandomStreams
{
    /// <summary>The epoch's shuffling random (its draws are the user orders of the epoch, in turn).</summary>
    public static Random Shuffler(int seed, int epoch) => new(unchecked(seed * 7919 + epoch) & int.MaxValue);

    /// <summary>A deterministic shuffle of 0..count-1 for one epoch (Fisher-Yates, seeded by seed and epoch).</summary>
    public static int[] ShuffledRows(int count, int seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        Shuffler(seed, epoch).Shuffle(order);
        return order;
    }

    /// <summary>
    /// One random stream per replica and epoch. On the CPU that is a fresh generator. TorchSharp's
    /// generators are CPU-only, so on CUDA the device's default generator is reseeded instead and null
    /// returned: the ops then draw from it.
    /// </summary>
    public static Generator? Generator(int seed, int epoch, int replica, Device device)
    {
        ulong value = unchecked((ulong)seed * 1_000_003UL + (ulong)epoch + (ulong)replica * 7_777_777UL);
        if (device.type != DeviceType.CUDA) return new Generator(value, device);
        // cuda.manual_seed seeds the current device's generator.
        if (!CudaRuntime.SetDevice(Math.Max(device.index, 0)) && device.index > 0)
            throw new DeviceUnavailableException(device.ToString(), "the CUDA runtime library could not be loaded to select the device");
        cuda.manual_seed(unchecked((long)value));
        return null;
    }
}
