using TorchSharp;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Kernels;

/// <summary>
/// The multinomial negative log-likelihood of a batch, Σ_u (n_u·lse_u − Σ_{i∈u} logit_ui) with lse_u the
/// log-sum-exp of row u, as one autograd node over two fused passes: forward reads the logits once,
/// backward writes their gradient once, both in the logits' own type (the sums in fp32). libtorch's
/// formulation (log-softmax in fp32, the gather and their backward passes) moves about eight fp32
/// copies of the [users × items] logits instead.
/// </summary>
internal sealed class MultinomialLikelihood : autograd.SingleTensorFunction<MultinomialLikelihood>
{
    public override string Name => nameof(MultinomialLikelihood);

    /// <summary>
    /// −Σ_u Σ_{i∈u} log_softmax(logits_u)_i / users, the same value as
    /// <see cref="MultVaeObjective.NegativeLogLikelihood"/>, from logits padded past <paramref name="items"/>
    /// to a row of a multiple of 16 bytes, as <see cref="MultVae.DecodePadded"/> gives them (the padding
    /// columns are ignored and get a zero gradient).
    /// </summary>
    public static Tensor NegativeLogLikelihood(IFusedKernels kernels, Tensor paddedLogits, int items, HistoryBatch batch) =>
        apply(paddedLogits, batch.BagOffsets, batch.ItemIndices, items, kernels) / batch.Users;

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (logits, rowStarts, entryItems, items, kernels) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (int)vars[3], (IFusedKernels)vars[4]);
        var logSumExp = empty(logits.shape[0], ScalarType.Float32, logits.device);
        using var rowLoss = empty(logits.shape[0], ScalarType.Float32, logits.device);
        kernels.LikelihoodForward(logits, items, rowStarts, entryItems, logSumExp, rowLoss);
        ctx.save_for_backward([logits, rowStarts, entryItems, logSumExp]);
        ctx.save_data(nameof(items), items);
        ctx.save_data(nameof(kernels), kernels);
        return rowLoss.sum();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using var scope = NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var (logits, rowStarts, entryItems, logSumExp) = (saved[0], saved[1], saved[2], saved[3]);
        var gradient = empty_like(logits);
        ((IFusedKernels)ctx.get_data("kernels")).LikelihoodBackward(
            logits, (int)ctx.get_data("items"), rowStarts, entryItems, logSumExp, grad_output.to(ScalarType.Float32).contiguous(), gradient);
        // One gradient per argument of apply: only the logits get one.
        return [scope.MoveToOuter(gradient), null!, null!, null!, null!];
    }
}
