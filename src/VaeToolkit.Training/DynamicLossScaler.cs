using static TorchSharp.torch;

namespace VaeToolkit.Training;

/// <summary>
/// Dynamic loss scaling for fp16 training: the loss is multiplied by a scale before the backward pass
/// so that small gradients survive in fp16; the gradients are divided by it again before the step.
/// A step whose gradients hold inf or NaN is skipped and the scale backed off; after
/// <see cref="GrowthInterval"/> good steps in a row the scale grows. (Like PyTorch's GradScaler,
/// deciding whether to skip reads one flag from the device per step.)
/// </summary>
public sealed class DynamicLossScaler(double initialScale = 65536, double growthFactor = 2, double backoffFactor = 0.5, int growthInterval = 2000)
{
    private int _goodSteps;

    public double Scale { get; private set; } = initialScale;

    public int GrowthInterval { get; } = growthInterval;

    /// <summary>Steps skipped so far because of non-finite gradients.</summary>
    public int SkippedSteps { get; private set; }

    public Tensor ScaleLoss(Tensor loss) => loss * Scale;

    /// <summary>
    /// Divides the gradients by the scale in place and updates the scale. Returns false when a
    /// gradient is not finite: the caller must then skip the optimizer step.
    /// </summary>
    public bool UnscaleAndUpdate(IEnumerable<Tensor> parameters)
    {
        var gradients = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        bool finite;
        using (var scope = NewDisposeScope())
        {
            var nonFinite = stack(gradients.Select(g => g.isfinite().logical_not().any())).any();
            finite = !nonFinite.item<bool>();
        }
        if (!finite)
        {
            Scale *= backoffFactor;
            _goodSteps = 0;
            SkippedSteps++;
            return false;
        }
        using (no_grad())
        {
            foreach (var gradient in gradients)
                gradient.div_(Scale);
        }
        if (++_goodSteps >= GrowthInterval)
        {
            Scale *= growthFactor;
            _goodSteps = 0;
        }
        return true;
    }
}
