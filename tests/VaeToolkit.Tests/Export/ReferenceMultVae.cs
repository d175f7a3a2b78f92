using VaeToolkit.Training.Model;

namespace VaeToolkit.Tests.Export;

/// <summary>
/// The Mult-VAE/DAE forward pass written out plainly in double precision from the
/// <see cref="MultVaeWeights"/> documentation: the reference the ONNX graphs are checked against.
/// </summary>
public static class ReferenceMultVae
{
    public static double[] Mean(MultVaeWeights weights, IReadOnlyCollection<int> history)
    {
        var itemLayer = weights.Encoder[0];
        var h = new double[itemLayer.Outputs];
        foreach (int item in history)
            for (int o = 0; o < h.Length; o++) h[o] += itemLayer.WeightAt(item, o);
        double norm = Math.Sqrt(Math.Max(history.Count, 1));
        for (int o = 0; o < h.Length; o++) h[o] = h[o] / norm + itemLayer.Bias[o];

        for (int i = 1; i < weights.Encoder.Count; i++) h = Dense(weights.Encoder[i], Tanh(h));
        // The VAE's last layer is [mean, log-variance]; the DAE's code goes through tanh.
        return weights.IsVae ? h[..weights.LatentDim] : Tanh(h);
    }

    public static double[] Logits(MultVaeWeights weights, IReadOnlyCollection<int> history)
    {
        double[] h = Mean(weights, history);
        for (int i = 0; i < weights.Decoder.Count; i++) h = Dense(weights.Decoder[i], i == 0 ? h : Tanh(h));
        return h;
    }

    /// <summary>The best <paramref name="k"/> items outside the history, best first.</summary>
    public static int[] TopK(MultVaeWeights weights, IReadOnlyCollection<int> history, int k)
    {
        double[] logits = Logits(weights, history);
        return [.. Enumerable.Range(0, weights.ItemCount).Where(item => !history.Contains(item)).OrderByDescending(item => logits[item]).Take(k)];
    }

    private static double[] Dense(DenseLayer layer, double[] x)
    {
        var y = new double[layer.Outputs];
        for (int o = 0; o < y.Length; o++)
        {
            double sum = layer.Bias[o];
            for (int i = 0; i < x.Length; i++) sum += x[i] * layer.WeightAt(i, o);
            y[o] = sum;
        }
        return y;
    }

    private static double[] Tanh(double[] x) => Array.ConvertAll(x, Math.Tanh);
}
