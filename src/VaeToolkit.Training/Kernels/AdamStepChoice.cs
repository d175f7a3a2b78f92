using TorchSharp;
using TorchSharp.Modules;
using VaeToolkit.Training.Model;
using VaeToolkit.Training.Parallel;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Kernels;

/// <summary>
/// Each replica's Adam step: the fused kernel, or <see cref="CpuAdam"/> on the CPU, one pass per parameter
/// through a <see cref="DeviceAdam"/>; on CUDA without the fused kernels TorchSharp's own, except in fp16,
/// whose overflow flag only <see cref="DeviceAdam.OperatorStep"/> reads.
/// </summary>
internal sealed class AdamStepChoice(IReadOnlyList<MultVae> replicas, IReadOnlyList<Adam> optimizers, bool lossScaled) : IDisposable
{
    private readonly List<DeviceAdam?> _steps = []; // per replica; null: TorchSharp's own step

    /// <summary>Chooses the steps, on the optimizers' state as it is now (fresh, or loaded from a checkpoint).</summary>
    public void Start()
    {
        Dispose();
        foreach (var (replica, optimizer) in replicas.Zip(optimizers))
        {
            AdamStepKernel? kernel = replica.FusedKernels is { } kernels ? kernels.AdamStep
                : ReplicaGroup.DeviceOf(replica).type == DeviceType.CPU ? CpuAdam.Step
                : lossScaled ? DeviceAdam.OperatorStep
                : null;
            _steps.Add(kernel is null ? null : new DeviceAdam(optimizer, kernel));
        }
    }

    /// <summary>Replica <paramref name="r"/>'s step, skipped on the device when <paramref name="overflow"/> is set.</summary>
    public void Step(int r, Tensor? overflow)
    {
        if (_steps[r] is { } adam)
            adam.Step(overflow);
        else
            optimizers[r].step();
    }

    /// <summary>Writes the step counts kept on the devices back into the optimizers' state (before a checkpoint is saved).</summary>
    public void WriteStepCounts()
    {
        foreach (var adam in _steps) adam?.WriteStepCount();
    }

    public void Dispose()
    {
        foreach (var adam in _steps) adam?.Dispose();
        _steps.Clear();
    }
}
