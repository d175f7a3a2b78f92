using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Kernels;

/// <summary>Queues one launch of a kernel of <c>multvae_kernels.cu</c>: a 1-D grid, one 8-byte slot per argument.</summary>
internal delegate void KernelLaunch(string kernel, uint blocks, uint threads, ReadOnlySpan<ulong> arguments);

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
    private const int SegmentChunk = 32; // entries per block of segment_sum: SEGMENT_CHUNK in the source

    private static readonly ConcurrentDictionary<int, Lazy<CudaKernels>> ByDevice = new();
    private static readonly ConcurrentDictionary<CompileTarget, byte[]> ImageByTarget = new();

    private readonly Device _device;
    private readonly KernelLaunch _launch;

    /// <summary>
    /// Kernels whose launches go to <paramref name="launch"/>, on tensors of <paramref name="device"/>:
    /// the tests run the same source through a CPU emulation of CUDA this way.
    /// </summary>
    internal CudaKernels(Device device, KernelLaunch launch, string build = "emulated")
    {
        _device = device;
        _launch = launch;
        Build = build;
    }

    /// <summary>How the kernels were built, such as "NVRTC 13.0, sm_90".</summary>
    public string Build { get; }

    /// <summary>The kernels' entry points, as the source declares them.</summary>
    internal static IEnumerable<string> KernelNames =>
        new[] { "fp32", "bf16", "fp16" }.SelectMany(suffix => new[] { $"likelihood_forward_{suffix}", $"likelihood_backward_{suffix}" })
            .Concat(["segment_sum", "adam_step"]);

    /// <summary>The kernels for <paramref name="device"/> (a CUDA device); compiles and loads them on first use.</summary>
    /// <exception cref="InvalidOperationException">NVRTC or the driver is missing, or compiling or loading failed.</exception>
    public static CudaKernels For(Device device)
    {
        if (device.type != DeviceType.CUDA)
            throw new ArgumentException($"the fused kernels run on CUDA devices, not on {device}", nameof(device));
        if ((CudaDriver.UnavailableReason ?? Nvrtc.UnavailableReason) is string reason)
            throw new InvalidOperationException($"the fused CUDA kernels cannot be used: {reason}");
        int index = Math.Max(device.index, 0);
        var kernels = ByDevice.GetOrAdd(index, i => new Lazy<CudaKernels>(() => Load(i)));
        try
        {
            return kernels.Value;
        }
        catch (Exception e)
        {
            ByDevice.TryRemove(index, out _); // a later call tries again and reports the error again
            if (e is InvalidOperationException) throw;
            // A library without an entry point we need, say: the caller falls back on one exception type.
            throw new InvalidOperationException($"the fused CUDA kernels could not be loaded on cuda:{index}: {e.Message}", e);
        }
    }

    /// <summary>Compiles the source for device <paramref name="index"/> and loads it into its primary context.</summary>
    private static CudaKernels Load(int index)
    {
        IntPtr context = CudaDriver.PrimaryContext(index);
        CudaDriver.MakeCurrent(context);
        var target = Nvrtc.TargetFor(CudaDriver.ComputeCapability(index));
        byte[] image = ImageByTarget.GetOrAdd(target, t => Nvrtc.Compile(Source(), SourceName, t));
        IntPtr module = CudaDriver.LoadModule(image);
        var functions = KernelNames.ToDictionary(name => name, name => CudaDriver.Function(module, name));
        var (major, minor) = Nvrtc.Version;
        return new CudaKernels(new Device(DeviceType.CUDA, index), (kernel, blocks, threads, arguments) =>
        {
            // The backward kernels run on autograd's threads: the context must be current there too.
            CudaDriver.MakeCurrent(context);
            CudaDriver.Launch(functions[kernel], kernel, blocks, threads, arguments);
        }, $"NVRTC {major}.{minor}, {target}");
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

    /// <summary>output[keys[e]] += scales[e] × source[gather[e]], keys sorted ascending; source and output fp32 matrices of one width.</summary>
    public void SegmentSum(Tensor source, Tensor keys, Tensor gather, Tensor scales, Tensor output)
    {
        int width = CheckMatrix(source, nameof(source));
        if (CheckMatrix(output, nameof(output)) != width)
            throw new ArgumentException($"the output must have {width} columns, as the source", nameof(output));
        int entries = checked((int)keys.shape[0]);
        CheckVector(keys, ScalarType.Int32, entries, nameof(keys));
        CheckVector(gather, ScalarType.Int32, entries, nameof(gather));
        CheckVector(scales, ScalarType.Float32, entries, nameof(scales));
        if (entries == 0) return;
        uint blocks = (uint)((entries + SegmentChunk - 1) / SegmentChunk);
        Launch("segment_sum", blocks, ThreadsFor(width),
            [Pointer(source), (uint)width, Pointer(keys), Pointer(gather), Pointer(scales), (uint)entries, Pointer(output)]);
    }

    public void AdamStep(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, Tensor scalars, double beta1, double beta2, double eps)
    {
        long n = parameter.numel();
        foreach (var (tensor, name) in new[] { (parameter, nameof(parameter)), (gradient, nameof(gradient)), (expAvg, nameof(expAvg)), (expAvgSq, nameof(expAvgSq)) })
        {
            if (tensor.dtype != ScalarType.Float32 || tensor.numel() != n || !tensor.is_contiguous())
                throw new ArgumentException($"{name} must be a contiguous float32 tensor of {n} elements", name);
        }
        CheckVector(scalars, ScalarType.Float32, 3, nameof(scalars));
        if (n == 0) return;
        const uint threads = 256;
        uint blocks = (uint)Math.Min((n + threads - 1) / threads, 8192); // the kernel strides over the rest
        Launch("adam_step", blocks, threads,
            [Pointer(parameter), Pointer(gradient), Pointer(expAvg), Pointer(expAvgSq), (ulong)n, Pointer(scalars),
             Bits(beta1), Bits(1 - beta1), Bits(beta2), Bits(1 - beta2), Bits(eps)]);
    }

    // A float parameter's slot holds its 4 bytes.
    private static ulong Bits(double value) => BitConverter.SingleToUInt32Bits((float)value);

    private void Launch(string name, uint blocks, uint threads, ReadOnlySpan<ulong> arguments) => _launch(name, blocks, threads, arguments);

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
        if (tensor.device.type != _device.type || Math.Max(tensor.device.index, 0) != Math.Max(_device.index, 0))
            throw new ArgumentException($"a tensor on {tensor.device} was given to the kernels of {_device}");
        return (ulong)TensorMemory.DataPointer(tensor);
    }

    private static int CheckLogits(Tensor logits, int items)
    {
        if (logits.dim() != 2 || !logits.is_contiguous())
            throw new ArgumentException("the logits must be a contiguous [rows, columns] tensor", nameof(logits));
        // The kernels move rows 16 bytes at a time (see Pack in the source).
        int elementBytes = logits.dtype == ScalarType.Float32 ? 4 : 2;
        if (logits.shape[1] * elementBytes % 16 != 0 || TensorMemory.DataPointer(logits) % 16 != 0)
            throw new ArgumentException($"a row of logits must be a multiple of 16 bytes, 16-byte aligned ({logits.shape[1]} {logits.dtype} columns given): pad them as MultVae.DecodePadded does", nameof(logits));
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
