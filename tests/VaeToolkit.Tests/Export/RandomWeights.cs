using VaeToolkit.Training.Model;

namespace VaeToolkit.Tests.Export;

/// <summary>Small random Mult-VAE/DAE weights in the shapes the trainer produces, for exporter and scorer tests.</summary>
public static class RandomWeights
{
    /// <param name="dims">Encoder widths after the item layer, the last being the latent size (as in the config).</param>
    public static MultVaeWeights Create(string modelType, int items, int[] dims, int seed)
    {
        var random = new Random(seed);
        int latent = dims[^1];
        int[] encoderWidths = [items, .. dims[..^1], modelType == "vae" ? 2 * latent : latent];
        int[] decoderWidths = [latent, .. dims[..^1].Reverse(), items];
        return new MultVaeWeights(modelType, items, latent, Layers(encoderWidths, random), Layers(decoderWidths, random));
    }

    private static DenseLayer[] Layers(int[] widths, Random random)
    {
        var layers = new DenseLayer[widths.Length - 1];
        for (int i = 0; i < layers.Length; i++)
        {
            int inputs = widths[i], outputs = widths[i + 1];
            // Large enough that tanh is not linear and the logits spread out, so rankings are not near ties.
            float range = 2f / MathF.Sqrt(inputs);
            var weight = new float[inputs * outputs];
            var bias = new float[outputs];
            for (int j = 0; j < weight.Length; j++) weight[j] = (float)(random.NextDouble() * 2 - 1) * range;
            for (int j = 0; j < bias.Length; j++) bias[j] = (float)(random.NextDouble() * 2 - 1) * 0.5f;
            layers[i] = new DenseLayer(inputs, outputs, weight, bias);
        }
        return layers;
    }
}
