using static TorchSharp.torch;

namespace VaeToolkit.Training.Parallel;

/// <summary>
/// Sums each parameter's gradient over the replicas and leaves the sum in every replica's gradient.
/// <c>gradients[r][p]</c> is replica r's gradient of parameter p.
/// </summary>
public interface IGradientAllReduce : IDisposable
{
    void AllReduceSum(IReadOnlyList<IReadOnlyList<Tensor>> gradients);
}
