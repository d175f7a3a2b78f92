using System.Globalization;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Models.Ease;

/// <summary>Whether EASE's dense matrices fit the memory of the device it is to run on.</summary>
public static class EaseMemory
{
    /// <summary>
    /// Throws <see cref="InvalidOperationException"/>, saying how much is needed and how much there is, when
    /// <see cref="EaseSolver.BytesNeeded"/> for <paramref name="items"/> items is more than the device has free
    /// (the GPU's free memory, or the memory available to this process on the CPU).
    /// </summary>
    public static void Check(int items, Device device)
    {
        long needed = EaseSolver.BytesNeeded(items);
        long available = MemoryPlanner.QueryCuda(device) is var (free, _) ? free : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (needed > available)
        {
            throw new InvalidOperationException(
                $"EASE on {items:N0} items needs about {Gib(needed)} GiB ({EaseSolver.MatricesAtPeak} dense {items:N0} x {items:N0} float64 matrices) but {device} has {Gib(available)} GiB available: use a machine or GPU with more memory, or a data set with fewer items (data.min_items_per_user, a rating threshold)");
        }
    }

    private static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture);
}
