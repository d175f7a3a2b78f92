using VaeToolkit.Training.Kernels;
using static TorchSharp.torch;

namespace VaeToolkit.Tests.Training;

/// <summary>
/// What <c>multvae_kernels.cu</c> computes, written out as plain loops on the host (in double, rounded
/// once when stored): the specification the autograd functions around the kernels are tested against
/// on the CPU. Slow, and only for small tensors.
/// </summary>
internal sealed class ReferenceKernels : IFusedKernels
{
    public void LikelihoodForward(Tensor logits, int items, Tensor rowStarts, Tensor entryItems, Tensor logSumExp, Tensor rowLoss)
    {
        var (x, width) = (Floats(logits), (int)logits.shape[1]);
        var (starts, entries) = (Ints(rowStarts), Ints(entryItems));
        var (lse, loss) = (new float[starts.Length], new float[starts.Length]);
        for (int u = 0; u < starts.Length; u++)
        {
            double rowLse = LogSumExp(x, u * width, items);
            var positives = Entries(starts, entries, u).Sum(item => (double)x[u * width + item]);
            lse[u] = (float)rowLse;
            loss[u] = (float)(Entries(starts, entries, u).Count() * rowLse - positives);
        }
        Store(lse, logSumExp);
        Store(loss, rowLoss);
    }

    public void LikelihoodBackward(Tensor logits, int items, Tensor rowStarts, Tensor entryItems, Tensor logSumExp, Tensor upstream, Tensor gradient)
    {
        var (x, width) = (Floats(logits), (int)logits.shape[1]);
        var (starts, entries, lse) = (Ints(rowStarts), Ints(entryItems), Floats(logSumExp));
        double g = Floats(upstream)[0];
        var dx = new float[x.Length];
        for (int u = 0; u < starts.Length; u++)
        {
            var positives = Entries(starts, entries, u).ToHashSet();
            for (int j = 0; j < items; j++)
            {
                double softmax = Math.Exp(x[u * width + j] - lse[u]);
                dx[u * width + j] = (float)(g * (positives.Count * softmax - (positives.Contains(j) ? 1 : 0)));
            }
        }
        Store(dx, gradient);
    }

    public void SegmentSum(Tensor source, Tensor keys, Tensor gather, Tensor scales, Tensor output)
    {
        var (x, width) = (Floats(source), (int)source.shape[1]);
        var (key, from, scale) = (Ints(keys), Ints(gather), Floats(scales));
        var sums = new double[output.numel()];
        for (int e = 0; e < key.Length; e++)
        {
            Assert.True(e == 0 || key[e - 1] <= key[e], "the keys must be sorted");
            for (int c = 0; c < width; c++)
                sums[key[e] * width + c] += (double)scale[e] * x[from[e] * width + c];
        }
        var result = Floats(output);
        for (int i = 0; i < result.Length; i++) result[i] += (float)sums[i];
        Store(result, output);
    }

    public void AdamStep(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, Tensor scalars, double beta1, double beta2, double eps)
    {
        var (stepSize, invSqrtBiasCorrection2, skip) = (Floats(scalars)[0], Floats(scalars)[1], Floats(scalars)[2]);
        if (skip != 0) return;
        var (p, g, m, v) = (Floats(parameter), Floats(gradient), Floats(expAvg), Floats(expAvgSq));
        var (b1, b2) = ((float)beta1, (float)beta2);
        var (c1, c2) = ((float)(1 - beta1), (float)(1 - beta2));
        for (int i = 0; i < p.Length; i++)
        {
            m[i] = b1 * m[i] + c1 * g[i];
            v[i] = b2 * v[i] + c2 * g[i] * g[i];
            p[i] -= (float)(stepSize * m[i] / (Math.Sqrt(v[i]) * invSqrtBiasCorrection2 + eps));
        }
        using var noGrad = no_grad();
        Store(p, parameter);
        Store(m, expAvg);
        Store(v, expAvgSq);
    }

    private static double LogSumExp(float[] x, int offset, int count)
    {
        double max = x.AsSpan(offset, count).ToArray().Max();
        return max + Math.Log(x.AsSpan(offset, count).ToArray().Sum(v => Math.Exp(v - max)));
    }

    private static IEnumerable<int> EntryRange(int[] starts, int entries, int row) =>
        Enumerable.Range(starts[row], (row + 1 < starts.Length ? starts[row + 1] : entries) - starts[row]);

    private static IEnumerable<int> Entries(int[] starts, int[] entries, int row) => EntryRange(starts, entries.Length, row).Select(e => entries[e]);

    private static float[] Floats(Tensor t) => t.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();

    private static int[] Ints(Tensor t) => t.cpu().data<int>().ToArray();

    // Rounded once, to the target's type, by the copy.
    private static void Store(float[] values, Tensor target)
    {
        using var source = tensor(values).reshape(target.shape);
        target.copy_(source);
    }
}
