using static TorchSharp.torch;

namespace VaeToolkit.Training.Kernels;

/// <summary>
/// The passes the fused training path needs that libtorch has no single operator for. Each writes into
/// tensors its caller allocated, so the autograd functions around them own every tensor. The CUDA
/// implementation is <see cref="CudaKernels"/>; the layouts are those of <c>multvae_kernels.cu</c>.
/// </summary>
internal interface IFusedKernels
{
    /// <summary>Per row: log-sum-exp over the first <paramref name="items"/> columns, and n·lse − Σ logits at the row's entries.</summary>
    void LikelihoodForward(Tensor logits, int items, Tensor rowStarts, Tensor entryItems, Tensor logSumExp, Tensor rowLoss);

    /// <summary>upstream × (n·softmax − [positive]) per element; 0 in the padding columns.</summary>
    void LikelihoodBackward(Tensor logits, int items, Tensor rowStarts, Tensor entryItems, Tensor logSumExp, Tensor upstream, Tensor gradient);

    /// <summary>
    /// output[keys[e]] += scales[e] × source[gather[e]] for every entry e (rows of fp32 matrices), with
    /// <paramref name="keys"/> sorted ascending: the item layer's product forward (keys: rows, gather:
    /// items) and its weight gradient (keys: items, gather: rows).
    /// </summary>
    void SegmentSum(Tensor source, Tensor keys, Tensor gather, Tensor scales, Tensor output);

    /// <summary>
    /// One Adam step in place, its scalars read from device memory (see <see cref="AdamStepKernel"/>):
    /// m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², p −= stepSize · m / (√v · invSqrtBiasCorrection2 + eps).
    /// </summary>
    void AdamStep(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, Tensor scalars, double beta1, double beta2, double eps);
}
