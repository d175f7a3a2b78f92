using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Kernels;

/// <summary>One parameter's Adam step in place, in a single pass over its memory.</summary>
internal delegate void AdamStepKernel(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, AdamStepSettings settings);

/// <summary>
/// TorchSharp's Adam step, one fused kernel per parameter (<see cref="IFusedKernels.AdamStep"/> on CUDA,
/// <see cref="CpuAdam.Step"/> on the CPU), on the optimizer's own state: its moments are updated in
/// place and its step counts advanced, so checkpoints and a later <c>step()</c> carry on as if
/// TorchSharp had taken the step. Only plain Adam (no weight decay, amsgrad or maximize) is fused.
/// </summary>
internal static class FusedAdam
{
    public static bool CanStep(Adam optimizer) => PlainOptions(optimizer.state_dict()) is not null;

    public static void Step(Adam optimizer, AdamStepKernel kernel)
    {
        var state = optimizer.state_dict();
        var options = PlainOptions(state)
            ?? throw new InvalidOperationException("the fused Adam step takes one parameter group without weight decay, amsgrad or maximize");
        double beta1 = options.beta1 ?? 0.9, beta2 = options.beta2 ?? 0.999;
        foreach (var (parameter, moments) in optimizer.parameters().Zip(state.State.Cast<Adam.State>()))
        {
            using var gradient = parameter.grad;
            if (gradient is null) continue;
            moments.step++;
            var settings = new AdamStepSettings(
                StepSize: options.LearningRate!.Value / (1 - Math.Pow(beta1, moments.step)),
                Beta1: beta1,
                Beta2: beta2,
                InvSqrtBiasCorrection2: 1 / Math.Sqrt(1 - Math.Pow(beta2, moments.step)),
                Eps: options.eps ?? 1e-8);
            kernel(parameter, gradient, moments.exp_avg, moments.exp_avg_sq, settings);
        }
    }

    // The options of the one parameter group, when they are plain Adam's; else null.
    internal static Adam.Options? PlainOptions(optim.Optimizer.StateDictionary state) =>
        state.Options is [Adam.Options { weight_decay: 0 or null, amsgrad: false or null, maximize: false or null } options] ? options : null;
}
