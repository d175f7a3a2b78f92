using TorchSharp;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Kernels;

/// <summary>
/// The first encoder layer, histories × item weights, as one autograd node over a scatter-gather sum:
/// forward adds each entry's weighted item row to its user's row, backward adds each entry's weighted
/// row of the upstream gradient to its item's row, the entries sorted by item with a stable sort on
/// the device. (libtorch's embedding bag makes the same product; its backward takes several more
/// passes. It stays the layer of the unfused path.)
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
        var (weight, bagOffsets, itemIndices, entryWeights) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3]);
        var (kernels, backwardFollows) = ((IFusedKernels)vars[4], (bool)vars[5]);
        var entryRows = HistoryBatch.EntryRows(bagOffsets, itemIndices.shape[0]);
        var output = zeros(bagOffsets.shape[0], weight.shape[1], ScalarType.Float32, weight.device);
        kernels.SegmentSum(weight, keys: entryRows, gather: itemIndices, scales: entryWeights, output);
        if (backwardFollows)
        {
            var (sortedItems, order) = itemIndices.sort(stable: true);
            ctx.save_for_backward([sortedItems, entryRows.index_select(0, order), entryWeights.index_select(0, order)]);
            ctx.save_data("items", weight.shape[0]);
            ctx.save_data(nameof(kernels), kernels);
        }
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using var scope = NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var gradWeight = zeros((long)ctx.get_data("items"), grad_output.shape[1], ScalarType.Float32, grad_output.device);
        ((IFusedKernels)ctx.get_data("kernels")).SegmentSum(grad_output.contiguous(), keys: saved[0], gather: saved[1], scales: saved[2], gradWeight);
        // One gradient per argument of apply: only the weight gets one.
        return [scope.MoveToOuter(gradWeight), null!, null!, null!, null!, null!];
    }
}
