using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Kernels;

/// <summary>
/// The Adam step of <c>adam_step</c> in multvae_kernels.cu for CPU tensors: one pass over the parameter,
/// its gradient and moments, in SIMD vectors, split across TorchSharp's threads. TorchSharp's Adam makes
/// about nine passes, one per operator; on ml-latest-small the step was a third of the training time.
/// </summary>
internal static unsafe class CpuAdam
{
    private const long ChunkElements = 1 << 16;

    /// <summary>An <see cref="AdamStepKernel"/>: on the CPU reading the scalars costs nothing, so a skipped step returns at once.</summary>
    public static void Step(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, Tensor scalars, double beta1, double beta2, double eps)
    {
        var values = scalars.data<float>();
        if (values[2] != 0) return;
        var settings = new AdamStepSettings(values[0], beta1, beta2, values[1], eps);
        long n = parameter.numel();
        foreach (var tensor in new[] { parameter, gradient, expAvg, expAvgSq })
        {
            if (tensor.device.type != DeviceType.CPU || tensor.dtype != ScalarType.Float32 || tensor.numel() != n || !tensor.is_contiguous())
                throw new ArgumentException($"the CPU Adam step takes contiguous float32 CPU tensors of {n} elements");
        }
        IntPtr p = TensorMemory.DataPointer(parameter), g = TensorMemory.DataPointer(gradient);
        IntPtr m = TensorMemory.DataPointer(expAvg), v = TensorMemory.DataPointer(expAvgSq);
        long chunks = (n + ChunkElements - 1) / ChunkElements;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) };
        System.Threading.Tasks.Parallel.For(0L, chunks, options, chunk =>
        {
            long start = chunk * ChunkElements;
            Update((float*)p + start, (float*)g + start, (float*)m + start, (float*)v + start, (int)Math.Min(ChunkElements, n - start), settings);
        });
    }

    private static void Update(float* p, float* g, float* m, float* v, int count, AdamStepSettings s)
    {
        // 1 − beta in double, as TorchSharp's Adam passes it (in fp32, 1 − 0.999f is off by 5e-5).
        float beta1 = (float)s.Beta1, oneMinusBeta1 = (float)(1 - s.Beta1), beta2 = (float)s.Beta2, oneMinusBeta2 = (float)(1 - s.Beta2);
        float stepSize = (float)s.StepSize, invSqrt = (float)s.InvSqrtBiasCorrection2, eps = (float)s.Eps;
        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
        {
            var gradient = Vector.Load(g + i);
            var first = beta1 * Vector.Load(m + i) + oneMinusBeta1 * gradient;
            var second = beta2 * Vector.Load(v + i) + oneMinusBeta2 * gradient * gradient;
            first.Store(m + i);
            second.Store(v + i);
            (Vector.Load(p + i) - stepSize * first / (Vector.SquareRoot(second) * invSqrt + new Vector<float>(eps))).Store(p + i);
        }
        for (; i < count; i++)
        {
            m[i] = beta1 * m[i] + oneMinusBeta1 * g[i];
            v[i] = beta2 * v[i] + oneMinusBeta2 * g[i] * g[i];
            p[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) * invSqrt + eps);
        }
    }
}

/// <summary>The scalars of one Adam step: stepSize = lr / (1 − β1^t), invSqrtBiasCorrection2 = 1 / √(1 − β2^t).</summary>
internal readonly record struct AdamStepSettings(double StepSize, double Beta1, double Beta2, double InvSqrtBiasCorrection2, double Eps);
