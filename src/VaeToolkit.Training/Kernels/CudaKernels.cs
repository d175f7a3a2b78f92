using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Kernels;

/// <summary>
/// The fused training kernels of <c>multvae_kernels.cu</c> on one CUDA device: compiled with NVRTC
/// the first time a device asks, loaded into that device's primary context, and launched on the
/// tensors' memory in libtorch's stream. Each method checks its tensors' types and shapes first: a
/// kernel given the wrong memory would not fail, it would read garbage.
/// </summary>
internal sealed class CudaKernels : IFusedKernels
{
    private const string SourceName = "multvae_kernels.cu";
    private const uint LikelihoodThreads = 512;

    private static readonly ConcurrentDictionary<int, Lazy<CudaKernels>> ByDevice = new();
    private static readonly ConcurrentDictionary<int, byte[]> PtxByArchitecture = new();

    private readonly IntPtr _context;
    private readonly Dictionary<string, IntPtr> _functions;

    private CudaKernels(int deviceIndex)
    {
        DeviceIndex = deviceIndex;
        _context = CudaDriver.PrimaryContext(deviceIndex);
        CudaDriver.MakeCurrent(_context);
        int architecture = Nvrtc.ArchitectureFor(CudaDriver.ComputeCapability(deviceIndex));
        byte[] ptx = PtxByArchitecture.GetOrAdd(architecture, a => Nvrtc.CompileToPtx(Source(), SourceName, a));
        IntPtr module = CudaDriver.LoadModule(ptx);
        _functions = KernelNames.ToDictionary(name => name, name => CudaDriver.Function(module, name));
    }

    public int DeviceIndex { get; }

    /// <summary>The kernels' entry points, as the source declares them.</summary>
    internal static IEnumerable<string> KernelNames =>
        new[] { "fp32", "bf16", "fp16" }.SelectMany(suffix => new[] { $"likelihood_forward_{suffix}", $"likelihood_backward_{suffix}" })
            .Concat(["item_layer_forward", "item_layer_backward", "adam_step"]);

    /// <summary>The kernels for <paramref name="device"/> (a CUDA device); compiles and loads them on first use.</summary>
    /// <exception cref="InvalidOperationException">NVRTC or the driver is missing, or compiling or loading failed.</exception>
    public static CudaKernels For(Device device)
    {
        if (device.type != DeviceType.CUDA)
            throw new ArgumentException($"the fused kernels run on CUDA devices, not on {device}", nameof(device));
        if ((CudaDriver.UnavailableReason ?? Nvrtc.UnavailableReason) is string reason)
            throw new InvalidOperationException($"the fused CUDA kernels cannot be used: {reason}");
        int index = Math.Max(device.index, 0);
        var kernels = ByDevice.GetOrAdd(index, i => new Lazy<CudaKernels>(() => new CudaKernels(i)));
        try
        {
            return kernels.Value;
        }
        catch
        {
            ByDevice.TryRemove(index, out _); // a later call tries again and reports the error again
            throw;
        }
    }

    /// <summary>The kernels' CUDA C++ source, embedded in this assembly.</summary>
    internal static string Source()
    {
        using var stream = typeof(CudaKernels).Assembly.GetManifestResourceStream(SourceName)
            ?? throw new InvalidOperationException($"{SourceName} is not embedded in {typeof(CudaKernels).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Per row of <paramref name="logits"/> ([rows, ≥ items], compute type): its log-sum-exp over the first
    /// <paramref name="items"/> columns and its loss n·lse − Σ logits at the row's entries. Both outputs fp32 [rows].
    /// </summary>
    public void LikelihoodForward(Tensor logits, int items, Tensor rowStarts, Tensor entryItems, Tensor logSumExp, Tensor rowLoss)
    {
        int rows = CheckLogits(logits, items);
        CheckRows(rowStarts, entryItems, rows);
        CheckVector(logSumExp, ScalarType.Float32, rows, nameof(logSumExp));
        CheckVector(rowLoss, ScalarType.Float32, rows, nameof(rowLoss));
        if (rows == 0) return;
        Launch($"likelihood_forward_{Suffix(logits.dtype)}", (uint)rows, LikelihoodThreads,
            [Pointer(logits), (ulong)logits.shape[1], (uint)items, Pointer(rowStarts), Pointer(entryItems), (uint)rows,
             (uint)entryItems.shape[0], Pointer(logSumExp), Pointer(rowLoss)]);
    }

    /// <summary>
    /// The likelihood's gradient into <paramref name="gradient"/> (same shape and type as the logits, the
    /// padding columns zeroed): upstream × (n·softmax − [positive]), upstream an fp32 scalar on the device.
    /// </summary>
    public void LikelihoodBackward(Tensor logits, int items, Tensor rowStarts, Tensor entryItems, Tensor logSumExp, Tensor upstream, Tensor gradient)
    {
        int rows = CheckLogits(logits, items);
        CheckRows(rowStarts, entryItems, rows);
        CheckVector(logSumExp, ScalarType.Float32, rows, nameof(logSumExp));
        if (upstream.dtype != ScalarType.Float32 || upstream.numel() != 1)
            throw new ArgumentException("the upstream gradient must be one float32 value", nameof(upstream));
        if (gradient.dtype != logits.dtype || !gradient.shape.SequenceEqual(logits.shape) || !gradient.is_contiguous())
            throw new ArgumentException("the gradient must be a contiguous tensor of the logits' shape and type", nameof(gradient));
        if (rows == 0) return;
        Launch($"likelihood_backward_{Suffix(logits.dtype)}", (uint)rows, LikelihoodThreads,
            [Pointer(logits), (ulong)logits.shape[1], (uint)items, Pointer(rowStarts), Pointer(entryItems), (uint)rows,
             (uint)entryItems.shape[0], Pointer(logSumExp), Pointer(upstream), Pointer(gradient)]);
    }

    /// <summary>output[u] = Σ over u's entries e of entryWeights[e] × weight[entryItems[e]]; weight fp32 [items, width].</summary>
    public void ItemLayerForward(Tensor weight, Tensor rowStarts, Tensor entryItems, Tensor entryWeights, Tensor output)
    {
        int width = CheckMatrix(weight, nameof(weight));
        int rows = (int)rowStarts.shape[0];
        CheckRows(rowStarts, entryItems, rows);
        CheckVector(entryWeights, ScalarType.Float32, (int)entryItems.shape[0], nameof(entryWeights));
        if (CheckMatrix(output, nameof(output)) != width || output.shape[0] != rows)
            throw new ArgumentException($"the output must be [{rows}, {width}]", nameof(output));
        if (rows == 0) return;
        Launch("item_layer_forward", (uint)rows, ThreadsFor(width),
            [Pointer(weight), (uint)width, Pointer(rowStarts), Pointer(entryItems), Pointer(entryWeights), (uint)rows,
             (uint)entryItems.shape[0], Pointer(output)]);
    }

    /// <summary>
    /// gradWeight[i] = Σ over the entries of item i of sortedWeights[k] × gradOutput[sortedRows[k]]: the
    /// entries sorted by item, item i's at itemStarts[i] .. itemStarts[i + 1].
    /// </summary>
    public void ItemLayerBackward(Tensor gradOutput, Tensor itemStarts, Tensor sortedRows, Tensor sortedWeights, Tensor gradWeight)
    {
        int width = CheckMatrix(gradOutput, nameof(gradOutput));
        int items = CheckMatrix(gradWeight, nameof(gradWeight)) == width ? (int)gradWeight.shape[0]
            : throw new ArgumentException($"the weight gradient must be [items, {width}]", nameof(gradWeight));
        CheckVector(itemStarts, ScalarType.Int32, items + 1, nameof(itemStarts));
        CheckVector(sortedRows, ScalarType.Int32, (int)sortedRows.shape[0], nameof(sortedRows));
        CheckVector(sortedWeights, ScalarType.Float32, (int)sortedRows.shape[0], nameof(sortedWeights));
        if (items == 0) return;
        Launch("item_layer_backward", (uint)items, ThreadsFor(width),
            [Pointer(gradOutput), (uint)width, Pointer(itemStarts), Pointer(sortedRows), Pointer(sortedWeights), Pointer(gradWeight)]);
    }

    public void AdamStep(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, AdamStepSettings settings)
    {
        long n = parameter.numel();
        foreach (var (tensor, name) in new[] { (parameter, nameof(parameter)), (gradient, nameof(gradient)), (expAvg, nameof(expAvg)), (expAvgSq, nameof(expAvgSq)) })
        {
            if (tensor.dtype != ScalarType.Float32 || tensor.numel() != n || !tensor.is_contiguous())
                throw new ArgumentException($"{name} must be a contiguous float32 tensor of {n} elements", name);
        }
        if (n == 0) return;
        const uint threads = 256;
        uint blocks = (uint)Math.Min((n + threads - 1) / threads, 8192); // the kernel strides over the rest
        Launch("adam_step", blocks, threads,
            [Pointer(parameter), Pointer(gradient), Pointer(expAvg), Pointer(expAvgSq), (ulong)n, Bits(settings.StepSize),
             Bits(settings.Beta1), Bits(1 - settings.Beta1), Bits(settings.Beta2), Bits(1 - settings.Beta2),
             Bits(settings.InvSqrtBiasCorrection2), Bits(settings.Eps)]);
    }

    // A float parameter's slot holds its 4 bytes.
    private static ulong Bits(double value) => BitConverter.SingleToUInt32Bits((float)value);

    private void Launch(string name, uint blocks, uint threads, ReadOnlySpan<ulong> arguments)
    {
        CudaDriver.MakeCurrent(_context);
        CudaDriver.Launch(_functions[name], name, blocks, threads, arguments);
    }

    // One thread per column, in whole warps, at most 1024 (wider rows loop).
    private static uint ThreadsFor(int width) => (uint)Math.Clamp((width + 31) / 32 * 32, 32, 1024);

    private static string Suffix(ScalarType type) => type switch
    {
        ScalarType.Float32 => "fp32",
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float16 => "fp16",
        _ => throw new ArgumentException($"the likelihood kernels take float32, bfloat16 or float16 logits, not {type}"),
    };

    private ulong Pointer(Tensor tensor)
    {
        if (tensor.device.type != DeviceType.CUDA || Math.Max(tensor.device.index, 0) != DeviceIndex)
            throw new ArgumentException($"a tensor on {tensor.device} was given to the kernels of cuda:{DeviceIndex}");
        return (ulong)TensorMemory.DataPointer(tensor);
    }

    private static int CheckLogits(Tensor logits, int items)
    {
        if (logits.dim() != 2 || !logits.is_contiguous())
            throw new ArgumentException("the logits must be a contiguous [rows, columns] tensor", nameof(logits));
        if (items < 1 || items > logits.shape[1])
            throw new ArgumentException($"items = {items} must be in 1..{logits.shape[1]} (the logits' columns)", nameof(items));
        return checked((int)logits.shape[0]);
    }

    private static void CheckRows(Tensor rowStarts, Tensor entryItems, int rows)
    {
        CheckVector(rowStarts, ScalarType.Int32, rows, nameof(rowStarts));
        CheckVector(entryItems, ScalarType.Int32, checked((int)entryItems.shape[0]), nameof(entryItems));
    }

    private static int CheckMatrix(Tensor matrix, string name)
    {
        if (matrix.dim() != 2 || matrix.dtype != ScalarType.Float32 || !matrix.is_contiguous())
            throw new ArgumentException($"{name} must be a contiguous float32 matrix", name);
        return checked((int)matrix.shape[1]);
    }

    private static void CheckVector(Tensor vector, ScalarType type, int length, string name)
    {
        if (vector.dim() != 1 || vector.dtype != type || vector.shape[0] != length || !vector.is_contiguous())
            throw new ArgumentException($"{name} must be a contiguous {type} vector of {length}", name);
    }
}
