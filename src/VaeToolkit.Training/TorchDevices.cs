using TorchSharp;
using VaeToolkit.Configuration;
using static TorchSharp.torch;

namespace VaeToolkit.Training;

/// <summary>Turns a config device name into a TorchSharp device, with a clear error when CUDA is missing.</summary>
public static class TorchDevices
{
    public static Device Resolve(string name)
    {
        if (name == "cpu") return CPU;
        if (!cuda.is_available())
            throw new DeviceUnavailableException(name,
                $"device '{name}' was asked for but CUDA is not available to TorchSharp: build with -p:TorchBackend=cuda " +
                "(TorchSharp-cuda-linux) or point LD_LIBRARY_PATH at a CUDA build of libtorch, or set device: cpu.");
        var device = new Device(name);
        if (device.index >= cuda.device_count())
            throw new DeviceUnavailableException(name, $"device '{name}' was asked for but only {cuda.device_count()} CUDA device(s) are present.");
        return device;
    }

    /// <summary>
    /// The device of <paramref name="config"/>, made ready to train on: libtorch's threads (<c>training.threads</c>),
    /// TensorFloat-32 products on CUDA for <c>precision: tf32</c> only, and the random generators seeded with the config's seed.
    /// </summary>
    public static Device ForTraining(VaeConfig config)
    {
        var device = Resolve(config.Device);
        if (config.Training.Threads is int threads) set_num_threads(threads);
        if (device.type == DeviceType.CUDA)
            backends.cuda.matmul.allow_tf32 = config.Precision == Precisions.Tf32;
        manual_seed(config.Seed);
        if (device.type == DeviceType.CUDA) cuda.manual_seed_all(config.Seed);
        return device;
    }
}
