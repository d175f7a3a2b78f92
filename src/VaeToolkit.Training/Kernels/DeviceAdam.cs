using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Kernels;

/// <summary>
/// One parameter's Adam step in place, its scalars read from device memory: <paramref name="scalars"/> is
/// float32 [stepSize, invSqrtBiasCorrection2, skip], and a step whose skip is not 0 changes nothing.
/// </summary>
internal delegate void AdamStepKernel(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, Tensor scalars, double beta1, double beta2, double eps);

/// <summary>
/// TorchSharp's Adam step, one pass per parameter (<see cref="IFusedKernels.AdamStep"/> on CUDA,
/// <see cref="CpuAdam.Step"/> on the CPU, <see cref="OperatorStep"/> otherwise), on the optimizer's own
/// moments. The step count lives on the parameters' device and the step size and bias corrections are
/// computed there from it, so a step can be cancelled by a flag on the device: fp16's loss scaler checks
/// for overflow there, and the host never waits to learn whether a step happens. A skipped step does
/// not count, as with PyTorch's GradScaler. The count starts from the optimizer's state and
/// <see cref="WriteStepCount"/> writes it back, for checkpoints. Only plain Adam (one parameter group,
/// no weight decay, amsgrad or maximize) is taken.
/// </summary>
internal sealed class DeviceAdam : IDisposable
{
    private readonly List<(Tensor Parameter, Adam.State Moments)> _parameters;
    private readonly double _learningRate, _beta1, _beta2, _eps;
    private readonly AdamStepKernel _kernel;
    private readonly Tensor _stepCount; // float64
    private readonly Tensor _noSkip;    // float32 0: the flag of a step that always happens

    public DeviceAdam(Adam optimizer, AdamStepKernel kernel)
    {
        var state = optimizer.state_dict();
        if (state.Options is not [Adam.Options { weight_decay: 0 or null, amsgrad: false or null, maximize: false or null } options])
            throw new InvalidOperationException("the device Adam step takes one parameter group without weight decay, amsgrad or maximize");
        (_learningRate, _beta1, _beta2, _eps) = (options.LearningRate!.Value, options.beta1 ?? 0.9, options.beta2 ?? 0.999, options.eps ?? 1e-8);
        _parameters = [.. optimizer.parameters().Zip(state.State.Cast<Adam.State>())];
        _kernel = kernel;
        var device = _parameters[0].Parameter.device;
        // Every parameter gets a gradient every step, so the parameters share one count.
        _stepCount = tensor((double)_parameters[0].Moments.step, ScalarType.Float64, device);
        _noSkip = zeros(Array.Empty<long>(), ScalarType.Float32, device);
    }

    /// <summary>
    /// One step of every parameter with a gradient, unless <paramref name="skip"/> (a float32 scalar on the
    /// parameters' device) is not 0. Queues device work only: nothing is read back.
    /// </summary>
    public void Step(Tensor? skip = null)
    {
        using var scope = NewDisposeScope();
        var skipped = (skip ?? _noSkip).to(ScalarType.Float64);
        _stepCount.add_(1 - skipped);
        var count = _stepCount.clamp_min(1); // a first step that is skipped must not divide by 0
        var stepSize = _learningRate / (1 - pow(_beta1, count));
        var invSqrtBiasCorrection2 = (1 - pow(_beta2, count)).rsqrt();
        var scalars = stack([stepSize, invSqrtBiasCorrection2, skipped]).to(ScalarType.Float32);
        foreach (var (parameter, moments) in _parameters)
        {
            if (parameter.grad is not { } gradient) continue;
            _kernel(parameter, gradient, moments.exp_avg, moments.exp_avg_sq, scalars, _beta1, _beta2, _eps);
        }
    }

    /// <summary>Copies the device's step count into the optimizer's state (reads it back: once per checkpoint, not per step).</summary>
    public void WriteStepCount()
    {
        long count = (long)_stepCount.item<double>();
        foreach (var (_, moments) in _parameters) moments.step = count;
    }

    /// <summary>
    /// The step in libtorch's operators (CUDA without the fused kernels), with the flag folded into the
    /// factors: a skipped step zeroes the gradient, keeps the moments' old weight and moves by 0.
    /// </summary>
    public static void OperatorStep(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, Tensor scalars, double beta1, double beta2, double eps)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (stepSize, invSqrtBiasCorrection2, skip) = (scalars[0], scalars[1], scalars[2]);
        var take = 1 - skip;
        var g = gradient.masked_fill(skip.ne(0), 0); // an overflowed gradient holds inf, and inf × 0 is NaN
        expAvg.mul_(1 - take * (1 - beta1)).add_(g, alpha: 1 - beta1);
        expAvgSq.mul_(1 - take * (1 - beta2)).addcmul_(g, g, value: 1 - beta2);
        parameter.sub_(expAvg / (expAvgSq.sqrt() * invSqrtBiasCorrection2 + eps) * (stepSize * take));
    }

    public void Dispose()
    {
        _stepCount.Dispose();
        _noSkip.Dispose();
    }
}
