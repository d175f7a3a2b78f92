using static TorchSharp.torch;

namespace VaeToolkit.Training;

/// <summary>
/// Dynamic loss scaling for fp16 training: the loss is multiplied by a scale before the backward pass
/// so that small gradients survive in fp16; the gradients are divided by it again before the step.
/// A step whose gradients hold inf or NaN is skipped and the scale backed off; after
/// <see cref="GrowthInterval"/> good steps in a row the scale grows. The scale, the count of good steps
/// and the overflow flag are tensors on the training device and change there, so the host never waits
/// for a step to learn whether it overflowed: the flag goes to a <see cref="Kernels.DeviceAdam"/>.
/// (Reading <see cref="State"/> waits; the trainer reads it once per epoch.)
/// </summary>
public sealed class DynamicLossScaler : IDisposable
{
    private readonly double _growthFactor;
    private readonly double _backoffFactor;
    private readonly Tensor _scale;       // float32
    private readonly Tensor _goodSteps;   // float32: good steps in a row since the scale last changed
    private readonly Tensor _skippedSteps; // float64

    public DynamicLossScaler(Device device, double initialScale = 65536, double growthFactor = 2, double backoffFactor = 0.5, int growthInterval = 2000)
    {
        (_growthFactor, _backoffFactor, GrowthInterval) = (growthFactor, backoffFactor, growthInterval);
        _scale = tensor((float)initialScale, float32, device);
        _goodSteps = zeros(Array.Empty<long>(), float32, device);
        _skippedSteps = zeros(Array.Empty<long>(), float64, device);
    }

    public int GrowthInterval { get; }

    /// <summary>The scale, the good steps since it last changed and the steps skipped so far (reads them from the device).</summary>
    public LossScalerState State => new(_scale.item<float>(), (int)_goodSteps.item<float>(), (long)_skippedSteps.item<double>());

    /// <summary>Continues from a checkpoint's <see cref="State"/>.</summary>
    public void Restore(LossScalerState state)
    {
        _scale.fill_(state.Scale);
        _goodSteps.fill_(state.GoodSteps);
        _skippedSteps.fill_(state.SkippedSteps);
    }

    public Tensor ScaleLoss(Tensor loss) => loss * _scale;

    /// <summary>Adds lam × ‖W‖²'s gradient at the loss scale, for a penalty added to the gradients directly.</summary>
    public void AddL2PenaltyGradient(IEnumerable<Tensor> weights, double lam)
    {
        using var noGrad = no_grad();
        foreach (var weight in weights)
            weight.grad!.addcmul_(weight, _scale, value: 2 * lam);
    }

    /// <summary>
    /// Divides the gradients by the scale in place, checks them and updates the scale. Returns the overflow
    /// flag, a float32 scalar on the device: 1 when a gradient is not finite (the step must be skipped),
    /// else 0. The caller disposes it.
    /// </summary>
    public Tensor UnscaleAndUpdate(IEnumerable<Tensor> parameters)
    {
        var gradients = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var inverse = _scale.reciprocal();
        foreach (var gradient in gradients) gradient.mul_(inverse);
        // inf and NaN carry through a sum, so one read of each gradient finds them (an isfinite mask would
        // write and read a mask as large). Unscaled gradients do not come within 1e30 of fp32's limit.
        var overflow = stack(gradients.Select(g => g.sum())).sum().isfinite().logical_not().to(float32);

        // As GradScaler: an overflow backs the scale off and restarts the count; growthInterval good steps grow it.
        var good = 1 - overflow;
        _goodSteps.mul_(good).add_(good);
        var grow = _goodSteps.ge(GrowthInterval).to(float32);
        _scale.mul_(overflow * _backoffFactor + good).mul_(grow * (_growthFactor - 1) + 1);
        _goodSteps.mul_(1 - grow);
        _skippedSteps.add_(overflow);
        return overflow.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _scale.Dispose();
        _goodSteps.Dispose();
        _skippedSteps.Dispose();
    }
}

/// <summary>A <see cref="DynamicLossScaler"/>'s state, as a checkpoint keeps it.</summary>
public sealed record LossScalerState(double Scale, int GoodSteps, long SkippedSteps);
