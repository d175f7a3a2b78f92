using System.Diagnostics;
using TorchSharp;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Models.RecVae;

/// <summary>
/// Trains RecVAE (<see cref="RecVaeNetwork"/>, <see cref="CompositePrior"/>, <see cref="RecVaeStep"/>) for
/// <c>model.type: recvae</c>: each epoch the encoder passes, the prior's refresh and the decoder passes; validation
/// NDCG@100 on the validation users every validation_step epochs and at the last (the same metric as the Mult-VAE
/// trainer: fold-in in, fold-in items excluded); the best epoch's weights kept in host memory and loaded back at
/// the end. Widths from <c>model.encoder_dims</c> ([hidden, latent]), input dropout from <c>model.dropout</c>,
/// learning rate, Adam's betas, batch size and epochs from <c>training</c>, the rest from <c>model.recvae</c>.
/// <para>
/// Not supported yet: checkpoints (nothing is written into the checkpoint folder; a resumed run starts again
/// from epoch 1), data-parallel training (gpus &gt; 1) and fp16 (no loss scaling); bf16 computes the dense
/// products in bfloat16 through <see cref="RecVaeNetwork.ComputeType"/>.
/// </para>
/// </summary>
public sealed class RecVaeTrainer : IModelTrainer
{
    private readonly VaeConfig _config;
    private readonly RecVaeStep _step;
    private readonly PhaseTimer _validationPhases;
    private ValidationBatches? _validationBatches;

    public RecVaeTrainer(VaeConfig config, int itemCount)
    {
        if (config.Gpus > 1)
            throw new ArgumentException($"gpus: {config.Gpus}: RecVAE trains on one device only (no data-parallel training yet); set gpus: 1", nameof(config));
        if (config.Precision == Precisions.Fp16)
            throw new ArgumentException("precision: fp16 is not supported for RecVAE (it has no loss scaling); use fp32, tf32 or bf16", nameof(config));
        if (config.Model.EncoderDims.Count != 2)
            throw new ArgumentException($"RecVAE takes model.encoder_dims as exactly [hidden, latent], not {config.Model.EncoderDims.Count} entries", nameof(config));
        _config = config;
        Settings = SettingsOf(config);
        Settings.Validate();
        Device = TorchDevices.Resolve(config.Device);
        if (config.Training.Threads is int threads) set_num_threads(threads);
        if (Device.type == DeviceType.CUDA)
            backends.cuda.matmul.allow_tf32 = config.Precision == Precisions.Tf32;
        manual_seed(config.Seed);
        if (Device.type == DeviceType.CUDA) cuda.manual_seed_all(config.Seed);

        Network = new RecVaeNetwork(itemCount, Settings);
        Network.to(Device);
        Network.ComputeType = config.Precision == Precisions.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        Prior = CompositePrior.For(Network, Settings);
        Prior.OldEncoder.ComputeType = Network.ComputeType;
        _step = new RecVaeStep(Network, Prior, Settings);
        _validationPhases = new PhaseTimer(Device);
    }

    /// <summary>The RecVAE settings of <paramref name="config"/>.</summary>
    public static RecVaeSettings SettingsOf(VaeConfig config) => new()
    {
        HiddenDim = config.Model.EncoderDims[0],
        LatentDim = config.Model.EncoderDims[^1],
        Gamma = config.Model.RecVae.Gamma,
        Beta = config.Model.RecVae.Beta,
        LearningRate = config.Training.LearningRate,
        AdamBeta1 = config.Training.Beta1,
        AdamBeta2 = config.Training.Beta2,
        BatchSize = config.Training.BatchSize,
        Epochs = config.Training.Epochs,
        EncoderEpochs = config.Model.RecVae.EncoderEpochs,
        DecoderEpochs = config.Model.RecVae.DecoderEpochs,
        Dropout = config.Model.Dropout,
        MixtureWeights = config.Model.RecVae.MixtureWeights,
    };

    public RecVaeSettings Settings { get; }

    /// <summary>The network; it holds the best validation epoch's weights after <see cref="Fit"/>.</summary>
    public RecVaeNetwork Network { get; }

    public CompositePrior Prior { get; }

    public Device Device { get; }

    public string DeviceName => DeviceDescription.Describe(Device);

    public string? Warning => null;

    public ModelShape Shape => new(Network.LatentDim, _config.Model.EncoderDims, new Dictionary<string, double>
    {
        [Settings.Gamma is > 0 ? "gamma" : "beta"] = Settings.Gamma is > 0 ? Settings.Gamma.Value : Settings.Beta ?? 0,
    });

    /// <summary>
    /// Trains for training.epochs epochs. <paramref name="checkpointFolder"/> and <paramref name="resume"/> are
    /// ignored: RecVAE does not checkpoint yet (it writes nothing there and always starts from epoch 1).
    /// </summary>
    public TrainingOutcome Fit(PreparedDataset data, string? checkpointFolder, bool resume, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var history = new List<EpochRecord>();
        int bestEpoch = 0;
        double bestNdcg = double.NegativeInfinity;
        Dictionary<string, Tensor>? bestWeights = null;
        int epochs = Settings.Epochs;
        int batches = (data.Train.RowCount + Settings.BatchSize - 1) / Settings.BatchSize;
        int passes = Settings.EncoderEpochs + Settings.DecoderEpochs;
        try
        {
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var watch = Stopwatch.StartNew();
                var random = new Random(unchecked(_config.Seed * 7919 + epoch) & int.MaxValue);
                using var generator = EpochGenerator(epoch);
                int pass = 0;
                int currentEpoch = epoch;
                IEnumerable<HostBatch> PassBatches()
                {
                    int done = pass++ * batches;
                    int b = 0;
                    foreach (var batch in RecVaeStep.ShuffledBatches(data.Train, Settings.BatchSize, random))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        yield return batch;
                        progress?.Report(new TrainingProgress(currentEpoch, epochs, done + ++b, passes * batches, null));
                    }
                }
                var result = _step.RunEpoch(PassBatches, generator);
                double trainSeconds = watch.Elapsed.TotalSeconds;
                var losses = result.EncoderPassLosses.Count > 0 ? result.EncoderPassLosses : result.DecoderPassLosses;
                double loss = losses.Count > 0 ? losses.Average() : double.NaN;

                double? ndcg = null;
                double? validationSeconds = null;
                IReadOnlyDictionary<string, double>? validationPhaseSeconds = null;
                if (epoch % _config.Training.ValidationStep == 0 || epoch == epochs)
                {
                    watch.Restart();
                    (ndcg, validationPhaseSeconds) = ValidateWithPhases(data.Validation);
                    validationSeconds = watch.Elapsed.TotalSeconds;
                    if (ndcg > bestNdcg)
                    {
                        (bestNdcg, bestEpoch) = (ndcg.Value, epoch);
                        DisposeAll(bestWeights);
                        bestWeights = CopyWeights();
                    }
                }

                var record = new EpochRecord(epoch, loss, Settings.Gamma is > 0 ? Settings.Gamma.Value : Settings.Beta ?? 0,
                    trainSeconds, data.Train.RowCount, ndcg, validationSeconds, data.Validation.UsersWithTargets)
                {
                    ValidationPhaseSeconds = validationPhaseSeconds,
                };
                history.Add(record);
                progress?.Report(new TrainingProgress(epoch, epochs, passes * batches, passes * batches, record));
            }
            if (bestWeights is not null) LoadWeights(bestWeights);
        }
        finally
        {
            DisposeAll(bestWeights);
        }
        return new TrainingOutcome(history, bestEpoch, bestNdcg, Resumed: false);
    }

    /// <summary>NDCG@100 of the current weights on held-out users (fold-in in, fold-in items excluded, targets scored).</summary>
    public double Validate(HeldOutUsers users) => ValidateWithPhases(users).Ndcg;

    private (double Ndcg, IReadOnlyDictionary<string, double> PhaseSeconds) ValidateWithPhases(HeldOutUsers users)
    {
        Network.eval();
        using var noGrad = no_grad();
        _validationPhases.Start();
        int batchSize = _config.Evaluation.BatchSize;
        if (_validationBatches is not { } cached || !ReferenceEquals(cached.Users, users) || cached.BatchSize != batchSize)
        {
            _validationBatches?.Dispose();
            _validationBatches = null;
            _validationBatches = new ValidationBatches(users, batchSize, Network.ItemCount, Device);
            _validationPhases.Mark("batch");
        }
        double ndcg = _validationBatches.NdcgAt100(
            history => Network.call(history.ItemIndices, history.BagOffsets, history.NormWeights), _validationPhases);
        return (ndcg, _validationPhases.Stop());
    }

    public void Export(string modelDirectory, IReadOnlyDictionary<string, string> metadata, string precision) =>
        RecVaeExporter.Export(Network, modelDirectory, metadata, precision);

    /// <summary>
    /// The epoch's random stream (dropout masks, latent noise): a fresh CPU generator seeded by the seed and
    /// the epoch; on CUDA the device's default generator is reseeded and null returned.
    /// </summary>
    private TorchSharp.torch.Generator? EpochGenerator(int epoch)
    {
        ulong seed = unchecked((ulong)_config.Seed * 1_000_003UL + (ulong)epoch);
        if (Device.type != DeviceType.CUDA) return new TorchSharp.torch.Generator(seed, Device);
        cuda.manual_seed_all(unchecked((long)seed));
        return null;
    }

    // Kept in host memory, as the Mult-VAE trainer does: a second copy of a large catalogue's weights may not fit a GPU.
    private Dictionary<string, Tensor> CopyWeights() =>
        Network.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().to(DeviceType.CPU, copy: true));

    private void LoadWeights(Dictionary<string, Tensor> weights)
    {
        using var noGrad = no_grad();
        foreach (var (name, value) in Network.state_dict())
            value.copy_(weights[name]);
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null) return;
        foreach (var tensor in tensors.Values) tensor.Dispose();
    }

    public void Dispose()
    {
        _validationBatches?.Dispose();
        _validationPhases.Dispose();
        _step.Dispose();
        Prior.Dispose();
        Network.Dispose();
    }
}
