using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace VaeToolkit.Inference;

/// <summary>
/// Runs the recommender graph through ONNX Runtime's IOBinding (<see cref="OnnxRecommender.Open"/> with
/// <c>ioBinding</c>). On CUDA the histories are written into page-locked host memory from the CUDA provider's
/// pinned allocator, so that their copy to the device is one direct DMA rather than a copy staged through a
/// pinned buffer, and the top k are bound to come back into page-locked memory too. On the CPU the same calls
/// bind the arrays in place. The CUDA half has not run on a GPU yet.
/// </summary>
internal sealed class IoBindingRunner : IDisposable
{
    private readonly OrtMemoryInfo outputMemory;

    // Null on the CPU, where the arrays are bound where they are.
    private readonly OrtAllocator? pinned;

    private IoBindingRunner(OrtMemoryInfo outputMemory, OrtAllocator? pinned)
    {
        this.outputMemory = outputMemory;
        this.pinned = pinned;
    }

    /// <summary>The runner for <paramref name="session"/>: page-locked memory on CUDA device <paramref name="cudaDevice"/>, the arrays in place on the CPU (null).</summary>
    public static IoBindingRunner For(InferenceSession session, string device, int? cudaDevice)
    {
        if (cudaDevice is not int id) return new(OrtMemoryInfo.DefaultInstance, null);
        var memory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA_PINNED, OrtAllocatorType.DeviceAllocator, id, OrtMemType.CpuOutput);
        try
        {
            return new(memory, new OrtAllocator(session, memory));
        }
        catch (OnnxRuntimeException e)
        {
            memory.Dispose();
            throw new ExecutionProviderException(device, $"IOBinding on '{device}' needs the CUDA provider's page-locked host allocator, which the session does not have: {e.Message}", e);
        }
    }

    /// <summary>One run of the recommender graph over checked inputs, as <see cref="OnnxRecommender.Recommend"/> describes.</summary>
    public TopKResult Recommend(InferenceSession session, long[] items, long[] offsets, int rows, int width, int k, bool excludeSeen)
    {
        using var binding = session.CreateIoBinding();
        using var itemValue = Input(items);
        using var offsetValue = Input(offsets);
        using var kValue = OrtValue.CreateTensorValueFromMemory(new long[] { k }, [1]);
        using var includeSeenValue = excludeSeen ? null : OrtValue.CreateTensorValueFromMemory(new[] { false }, [1]);
        binding.BindInput(OnnxRecommender.ItemIndicesInput, itemValue);
        binding.BindInput(OnnxRecommender.UserOffsetsInput, offsetValue);
        binding.BindInput(OnnxRecommender.KInput, kValue);
        if (includeSeenValue is not null) binding.BindInput(OnnxRecommender.ExcludeSeenInput, includeSeenValue);
        binding.BindOutputToDevice(OnnxRecommender.TopItemsOutput, outputMemory);
        binding.BindOutputToDevice(OnnxRecommender.TopScoresOutput, outputMemory);
        using var options = new RunOptions();
        session.RunWithBinding(options, binding);
        binding.SynchronizeBoundOutputs();
        // In the order they were bound.
        using var outputs = binding.GetOutputValues();
        return OnnxRecommender.ToTopK(rows, width, outputs[0], outputs[1]);
    }

    public void Dispose()
    {
        if (pinned is null) return;
        pinned.Dispose();
        outputMemory.Dispose();
    }

    private OrtValue Input(long[] values)
    {
        if (pinned is null) return OrtValue.CreateTensorValueFromMemory(values, [values.LongLength]);
        var value = OrtValue.CreateAllocatedTensorValue(pinned, TensorElementType.Int64, [values.LongLength]);
        values.CopyTo(value.GetTensorMutableDataAsSpan<long>());
        return value;
    }
}
