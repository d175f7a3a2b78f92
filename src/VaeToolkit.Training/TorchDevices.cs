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
}
