using VaeToolkit.Configuration;
using static TorchSharp.torch;

namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>
/// libtorch's intra-op thread count is one setting for the whole process, so trials trained side by side
/// share it: for the sweep it is divided among them (at least 1 each), then restored. A config that sets
/// <c>training.threads</c> sets it for every trial at once instead, and is left alone.
/// </summary>
internal sealed class ThreadShare : IDisposable
{
    private readonly int before;

    private ThreadShare(int before, int each)
    {
        this.before = before;
        set_num_threads(each);
    }

    public static IDisposable? For(int parallelism, IReadOnlyList<VaeConfig> configs, IProgress<string>? log)
    {
        if (parallelism <= 1 || configs.Any(config => config.Training.Threads is not null)) return null;
        int total = get_num_threads();
        int each = Math.Max(1, total / parallelism);
        log?.Report($"{parallelism} trials at a time share libtorch's {total} threads: {each} each");
        return new ThreadShare(total, each);
    }

    public void Dispose() => set_num_threads(before);
}
