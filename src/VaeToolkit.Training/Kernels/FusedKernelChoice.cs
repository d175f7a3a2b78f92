using TorchSharp;
using VaeToolkit.Training.Model;
using VaeToolkit.Training.Parallel;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Kernels;

/// <summary>
/// Whether the replicas run the likelihood and the item layer in the fused CUDA kernels: they do when the
/// config asks for them, the device is CUDA, and the kernels load and pass their <see cref="KernelSelfTest"/>
/// on every replica's device; else libtorch does.
/// </summary>
internal static class FusedKernelChoice
{
    /// <summary>
    /// Gives each replica the fused kernels of its device, or none; returns what runs them: "fused (NVRTC x.y,
    /// sm_XY)", else "libtorch", with the reason when the fused kernels were asked for but could not load.
    /// </summary>
    public static string Apply(IReadOnlyList<MultVae> replicas, Device device, bool wanted)
    {
        if (device.type != DeviceType.CUDA || !wanted) return "libtorch";
        try
        {
            foreach (var replica in replicas)
            {
                var kernels = CudaKernels.For(ReplicaGroup.DeviceOf(replica));
                KernelSelfTest.Run(kernels, ReplicaGroup.DeviceOf(replica), replica.ComputeType);
                replica.FusedKernels = kernels;
            }
            return $"fused ({CudaKernels.For(ReplicaGroup.DeviceOf(replicas[0])).Build})";
        }
        catch (InvalidOperationException e)
        {
            foreach (var replica in replicas) replica.FusedKernels = null;
            return $"libtorch ({e.Message})";
        }
    }
}
