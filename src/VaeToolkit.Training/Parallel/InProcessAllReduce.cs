using static TorchSharp.torch;

namespace VaeToolkit.Training.Parallel;

/// <summary>
/// All-reduce by plain tensor arithmetic in one process: replicas on the CPU (or on devices that can
/// reach each other's memory). Used on CPU and by the tests that prove data parallelism exact.
/// </summary>
public sealed class InProcessAllReduce : IGradientAllReduce
{
    public void AllReduceSum(IReadOnlyList<IReadOnlyList<Tensor>> gradients)
    {
        using var noGrad = no_grad();
        for (int p = 0; p < gradients[0].Count; p++)
        {
            using var scope = NewDisposeScope();
            Tensor sum = gradients[0][p].clone();
            for (int r = 1; r < gradients.Count; r++)
                sum.add_(gradients[r][p].to(sum.device));
            for (int r = 0; r < gradients.Count; r++)
                gradients[r][p].copy_(sum);
        }
    }

    public void Dispose()
    {
    }
}
