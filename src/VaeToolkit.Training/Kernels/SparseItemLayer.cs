using TorchSharp;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Kernels;

/// <summary>
/// The first encoder layer, histories × item weights, as one autograd node over two kernels: forward
/// sums each user's weighted item rows, backward writes each item's gradient row once from that item's
/// entries. The entries sorted by item come from a stable sort on the device in the forward pass.
/// (libtorch's embedding bag makes the same product, but its backward sorts and reduces in several
/// more passes; it stays the layer of the unfused path.)
/// </summary>
internal sealed class SparseItemLayer : autograd.SingleTensorFunction<SparseItemLayer>
{
    public override string Name => nameof(SparseItemLayer);

    /// <summary>
    /// [users × width]: for each user (a bag starting at <paramref name="bagOffsets"/>) the sum of
    /// entryWeights[e] × weight[itemIndices[e]] over its entries. Differentiable in <paramref name="weight"/> only.
    /// </summary>
    public static Tensor Product(IFusedKernels kernels, Tensor weight, Tensor itemIndices, Tensor bagOffsets, Tensor entryWeights) =>
        // Grad mode is off inside forward: whether a backward pass will come is decided here.
        apply(weight, bagOffsets, itemIndices, entryWeights, kernels, is_grad_enabled() && weight.requires_grad);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (weight, rowStarts, entryItems, entryWeights) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3]);
        var (kernels, backwardFollows) = ((IFusedKernels)vars[4], (bool)vars[5]);
        var output = empty(rowStarts.shape[0], weight.shape[1], ScalarType.Float32, weight.device);
        kernels.ItemLayerForward(weight, rowStarts, entryItems, entryWeights, output);
        if (backwardFollows)
        {
            // The entries ordered by item, each with its row and weight, and where each item's run starts.
            int items = (int)weight.shape[0];
            var (sortedItems, order) = entryItems.sort(stable: true);
            var itemStarts = searchsorted(sortedItems, arange(items + 1, ScalarType.Int32, weight.device), out_int32: true);
            var entryRows = searchsorted(rowStarts, arange(entryItems.shape[0], ScalarType.Int32, weight.device), out_int32: true, right: true).sub_(1);
            ctx.save_for_backward([itemStarts, entryRows.index_select(0, order), entryWeights.index_select(0, order)]);
            ctx.save_data(nameof(kernels), kernels);
            ctx.save_data(nameof(items), items);
        }
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using var scope = NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var gradWeight = empty((int)ctx.get_data("items"), grad_output.shape[1], ScalarType.Float32, grad_output.device);
        ((IFusedKernels)ctx.get_data("kernels")).ItemLayerBackward(grad_output.contiguous(), saved[0], saved[1], saved[2], gradWeight);
        return [scope.MoveToOuter(gradWeight), null!, null!, null!, null!, null!];
    }
}
