using TorchSharp;
using TorchSharp.Modules;
using VaeToolkit.Data;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Models.RecVae;

/// <summary>The mean negative ELBO of each pass of one alternating epoch, in the order they ran.</summary>
public sealed record RecVaeEpochResult(IReadOnlyList<double> EncoderPassLosses, IReadOnlyList<double> DecoderPassLosses);

/// <summary>
/// RecVAE's alternating training (run.py's epoch loop, without the optional ImplicitSLIM step): per epoch
/// <see cref="RecVaeSettings.EncoderEpochs"/> passes over the data that update only the encoder (input
/// dropout 0.5, Adam of its own), then the prior's old encoder is refreshed (<c>model.update_prior()</c>),
/// then <see cref="RecVaeSettings.DecoderEpochs"/> passes that update only the decoder (dropout 0, a
/// separate Adam). Both phases minimise the full negative ELBO with a sampled z, as run.py's <c>run</c>
/// does. Self-contained so that a trainer can drive it: it owns the two optimizers, not the network or prior.
/// <para>
/// The gradient of the group not being updated is not computed: the other group's parameters have
/// requires_grad off during a pass (restored after). run.py computes it and never applies it (each
/// optimizer zeroes only its own gradients, and the other optimizer zeroes the stale ones before its
/// first step), so the updates are the same; skipping it saves the decoder's weight-gradient product
/// ([items × latent]) in every encoder pass.
/// </para>
/// </summary>
public sealed class RecVaeStep : IDisposable
{
    private readonly RecVaeNetwork _network;
    private readonly CompositePrior _prior;
    private readonly RecVaeSettings _settings;

    public RecVaeStep(RecVaeNetwork network, CompositePrior prior, RecVaeSettings settings)
    {
        settings.Validate();
        _network = network;
        _prior = prior;
        _settings = settings;
        // run.py: optim.Adam(encoder_params, lr=args.lr) and optim.Adam(decoder_params, lr=args.lr).
        EncoderOptimizer = optim.Adam(network.EncoderParameters, settings.LearningRate, settings.AdamBeta1, settings.AdamBeta2);
        DecoderOptimizer = optim.Adam(network.DecoderParameters, settings.LearningRate, settings.AdamBeta1, settings.AdamBeta2);
    }

    public Adam EncoderOptimizer { get; }

    public Adam DecoderOptimizer { get; }

    /// <summary>
    /// One epoch: the encoder passes, the prior's refresh, the decoder passes. <paramref name="passBatches"/>
    /// is called once per pass for that pass's batches (run.py reshuffles the users for every pass:
    /// <c>generate(..., shuffle=True)</c> inside each <c>run</c> epoch); see <see cref="ShuffledBatches"/>.
    /// </summary>
    public RecVaeEpochResult RunEpoch(Func<IEnumerable<HostBatch>> passBatches, Generator? generator = null)
    {
        var encoderLosses = new List<double>();
        for (int pass = 0; pass < _settings.EncoderEpochs; pass++)
            encoderLosses.Add(RunEncoderPass(passBatches(), generator));
        // run.py calls update_prior between the phases; the decoder passes do not change the encoder, so
        // the old encoder the next epoch's encoder passes see is the same as if it were refreshed at the end.
        RefreshPrior();
        var decoderLosses = new List<double>();
        for (int pass = 0; pass < _settings.DecoderEpochs; pass++)
            decoderLosses.Add(RunDecoderPass(passBatches(), generator));
        return new RecVaeEpochResult(encoderLosses, decoderLosses);
    }

    /// <summary>One pass over <paramref name="batches"/> updating only the encoder; the mean negative ELBO.</summary>
    public double RunEncoderPass(IEnumerable<HostBatch> batches, Generator? generator = null) =>
        RunPass(batches, EncoderOptimizer, _network.DecoderParameters, _settings.Dropout, generator);

    /// <summary>One pass over <paramref name="batches"/> updating only the decoder; the mean negative ELBO.</summary>
    public double RunDecoderPass(IEnumerable<HostBatch> batches, Generator? generator = null) =>
        RunPass(batches, DecoderOptimizer, _network.EncoderParameters, _settings.DecoderDropout, generator);

    /// <summary>Copies the encoder into the prior's old encoder (model.py <c>VAE.update_prior</c>).</summary>
    public void RefreshPrior() => _prior.UpdateFrom(_network);

    private double RunPass(IEnumerable<HostBatch> batches, Adam optimizer, IEnumerable<Parameter> fixedParameters, double dropout, Generator? generator)
    {
        _network.train();
        _prior.train();
        Device device = _network.Encoder.ItemWeight.device;
        var fixedOnes = fixedParameters.ToList();
        foreach (var parameter in fixedOnes) parameter.requires_grad = false;
        try
        {
            using var lossSum = zeros(1, device: device);
            int count = 0;
            foreach (var host in batches)
            {
                using var scope = NewDisposeScope();
                using var batch = HistoryBatch.Upload(host, device);
                optimizer.zero_grad();
                var loss = RecVaeObjective.Evaluate(_network, _prior, batch, dropout, generator, _settings.Gamma, _settings.Beta);
                loss.NegativeElbo.backward();
                optimizer.step();
                lossSum.add_(loss.NegativeElbo.detach());
                count++;
            }
            return count == 0 ? double.NaN : lossSum.item<float>() / count;
        }
        finally
        {
            foreach (var parameter in fixedOnes) parameter.requires_grad = true;
        }
    }

    /// <summary>
    /// The batches of one pass over <paramref name="matrix"/>'s rows in a random order (run.py
    /// <c>generate(batch_size, ..., shuffle=True)</c>): consecutive runs of <paramref name="batchSize"/> users,
    /// the last one shorter, built lazily with <see cref="HostBatch.Build"/>.
    /// </summary>
    public static IEnumerable<HostBatch> ShuffledBatches(CsrMatrix matrix, int batchSize, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var order = Enumerable.Range(0, matrix.RowCount).ToArray();
        random.Shuffle(order);
        for (int start = 0; start < order.Length; start += batchSize)
            yield return HostBatch.Build(matrix, order.AsSpan(start, Math.Min(batchSize, order.Length - start)));
    }

    public void Dispose()
    {
        EncoderOptimizer.Dispose();
        DecoderOptimizer.Dispose();
    }
}
