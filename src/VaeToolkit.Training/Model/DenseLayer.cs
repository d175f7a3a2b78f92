namespace VaeToolkit.Training.Model;

/// <summary>
/// One trained affine layer as plain arrays: y = x · Weight + Bias, with <see cref="Weight"/> stored
/// row-major as [Inputs, Outputs]. This is the form the exporter consumes, free of TorchSharp types.
/// </summary>
public sealed record DenseLayer(int Inputs, int Outputs, float[] Weight, float[] Bias)
{
    public float WeightAt(int input, int output) => Weight[(long)input * Outputs + output];
}
