using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Kernels;

/// <summary>One parameter's Adam step with its scalars in device memory (see <see cref="IFusedKernels.GuardedAdamStep"/>).</summary>
internal delegate void GuardedAdamStepKernel(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, Tensor scalars, double beta1, double beta2, double eps);

/// <summary>
/// Adam steps that a flag on the device can cancel, for fp16 training: the loss scaler's overflow check
/// stays on the device, so the decision to skip must too, or the host would wait for every step. The
/// step count lives on the device as well (a skipped step does not count, as with PyTorch's GradScaler),
/// and the step size and bias correction are computed there from it. The steps work on the optimizer's
/// own moments; <see cref="WriteStepCount"/> and <see cref="ReadStepCount"/> keep the count in its state, for checkpoints.
/// </summary>
internal sealed class GuardedAdam : IDisposable
{
    private readonly List<(Tensor Parameter, Adam.State Moments)> _parameters;
    private readonly double _learningRate, _beta1, _beta2, _eps;
    private readonly GuardedAdamStepKernel _kernel;
    private readonly Tensor _stepCount; // float64, on the parameters' device

    public GuardedAdam(Adam optimizer, GuardedAdamStepKernel kernel)
    {
        var state = optimizer.state_dict();
        var options = FusedAdam.PlainOptions(state)
            ?? throw new InvalidOperationException("the guarded Adam step takes one parameter group without weight decay, amsgrad or maximize");
        (_learningRate, _beta1, _beta2, _eps) = (options.LearningRate!.Value, options.beta1 ?? 0.9, options.beta2 ?? 0.999, options.eps ?? 1e-8);
        _parameters = [.. optimizer.parameters().Zip(state.State.Cast<Adam.State>())];
        _kernel = kernel;
        _stepCount = zeros(Array.Empty<long>(), float64, _parameters[0].Parameter.device);
        ReadStepCount();
    }

    /// <summary>
    /// One step of every parameter with a gradient, unless <paramref name="skip"/> (a float32 scalar on the
    /// parameters' device) is not 0. Queues device work only: nothing is read back.
    /// </summary>
    public void Step(Tensor skip)
    {
        using var scope = NewDisposeScope();
        var skipped = skip.to(float64);
        _stepCount.add_(1 - skipped);
        var count = _stepCount.clamp_min(1); // a first step that is skipped must not divide by 0
        var stepSize = _learningRate / (1 - pow(_beta1, count));
        var invSqrtBiasCorrection2 = (1 - pow(_beta2, count)).rsqrt();
        var scalars = stack([stepSize, invSqrtBiasCorrection2, skipped]).to(float32);
        foreach (var (parameter, moments) in _parameters)
        {
            if (parameter.grad is not { } gradient) continue;
            _kernel(parameter, gradient, moments.exp_avg, moments.exp_avg_sq, scalars, _beta1, _beta2, _eps);
        }
    }

    /// <summary>Takes the step count from the optimizer's state (after a checkpoint was loaded into it).</summary>
    public void ReadStepCount() => _stepCount.fill_(_parameters[0].Moments.step); // every parameter gets a gradient every step: one count

    /// <summary>Copies the device's step count into the optimizer's state (reads it back: once per checkpoint, not per step).</summary>
    public void WriteStepCount()
    {
        long count = (long)_stepCount.item<double>();
        foreach (var (_, moments) in _parameters) moments.step = count;
    }

    /// <summary>On the CPU reading the flag costs nothing: a step that is not skipped is <see cref="CpuAdam"/>'s.</summary>
    public static void CpuStep(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, Tensor scalars, double beta1, double beta2, double eps)
    {
        var values = scalars.data<float>();
        if (values[2] != 0) return;
        CpuAdam.Step(parameter, gradient, expAvg, expAvgSq, new AdamStepSettings(values[0], beta1, beta2, values[1], eps));
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

    public void Dispose() => _stepCount.Dispose();
}
