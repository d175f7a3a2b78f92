using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Training.Fitting;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Models.RecVae;

/// <summary>
/// Trains RecVAE (<see cref="RecVaeNetwork"/>, <see cref="CompositePrior"/>, <see cref="RecVaeStep"/>) for
/// <c>model.type: recvae</c>: each epoch the encoder passes, the prior's refresh and the decoder passes; validation
/// NDCG@100 on the validation users every validation_step epochs and at the last (the same metric as the Mult-VAE
/// trainer: fold-in in, fold-in items excluded, <see cref="ValidationCache"/>); the best epoch's weights kept
/// (<see cref="BestWeightsKeeper"/>) and loaded back at the end; checkpoints and resumption as the Mult-VAE
/// trainer's (<see cref="CheckpointFolder"/>, <see cref="ResumeCheck"/>, <see cref="EpochRandomStreams"/>). Widths from <c>model.encoder_dims</c> ([hidden, latent]), input dropout from <c>model.dropout</c>,
/// learning rate, Adam's betas, batch size and epochs from <c>training</c>, the rest from <c>model.recvae</c>.
/// <para>
/// Not supported yet: data-parallel training (gpus &gt; 1) and fp16 (no loss scaling); bf16 computes the dense
/// products in bfloat16 through <see cref="RecVaeNetwork.ComputeType"/>.
/// </para>
/// </summary>
public sealed class RecVaeTrainer : IModelTrainer
{
    private readonly VaeConfig _config;
    private readonly RecVaeStep _step;
    private readonly ValidationCache _validation;

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
        Device = TorchDevices.ForTraining(config);

        Network = new RecVaeNetwork(itemCount, Settings);
        Network.to(Device);
        Network.ComputeType = config.Precision == Precisions.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        Prior = CompositePrior.For(Network, Settings);
        Prior.OldEncoder.ComputeType = Network.ComputeType;
        _step = new RecVaeStep(Network, Prior, Settings);
        _validation = new ValidationCache(Device);
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
    /// Trains for training.epochs epochs. With a checkpoint folder, a checkpoint (<see cref="Checkpoint.LastName"/>:
    /// the network, the prior's old encoder and both Adams) is written every checkpoint_step epochs and after the
    /// last, each best epoch's weights before the checkpoint that names them; when <paramref name="resume"/> is
    /// set, training continues from the last checkpoint, which must have been written with the same settings
    /// (<see cref="ResumeCheck"/>), and runs exactly as the uninterrupted run would have. Cancellation is checked
    /// between batches; the last checkpoint stays. On return the network holds the best validation epoch's weights.
    /// </summary>
    public TrainingOutcome Fit(PreparedDataset data, string? checkpointFolder, bool resume, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var checkpoints = new CheckpointFolder(checkpointFolder, _config, data);
        using var best = new BestWeightsKeeper(Network);
        var history = new List<EpochRecord>();
        var resumedFrom = checkpoints.Resume(resume, path => Checkpoint.Load(path, CheckpointModules, CheckpointOptimizers));
        if (resumedFrom is not null)
        {
            best.Resume(resumedFrom.BestEpoch, resumedFrom.BestNdcg);
            history.AddRange(resumedFrom.History);
        }
        int firstEpoch = (resumedFrom?.Epoch ?? 0) + 1;
        long step = resumedFrom?.Step ?? 0; // optimizer steps, both optimizers together
        int epochs = Settings.Epochs;
        int batches = (data.Train.RowCount + Settings.BatchSize - 1) / Settings.BatchSize;
        int passes = Settings.EncoderEpochs + Settings.DecoderEpochs;
        for (int epoch = firstEpoch; epoch <= epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            double loss = TrainEpoch(data.Train, epoch, batches, progress, cancellationToken);
            step += (long)passes * batches;
            double trainSeconds = watch.Elapsed.TotalSeconds;

            double? ndcg = null;
            double? validationSeconds = null;
            IReadOnlyDictionary<string, double>? validationPhaseSeconds = null;
            if (epoch % _config.Training.ValidationStep == 0 || epoch == epochs)
            {
                watch.Restart();
                (ndcg, validationPhaseSeconds) = ValidateWithPhases(data.Validation);
                validationSeconds = watch.Elapsed.TotalSeconds;
                best.Offer(epoch, ndcg.Value);
            }

            var record = new EpochRecord(epoch, loss, Settings.Gamma is > 0 ? Settings.Gamma.Value : Settings.Beta ?? 0,
                trainSeconds, data.Train.RowCount, ndcg, validationSeconds, data.Validation.UsersWithTargets)
            {
                ValidationPhaseSeconds = validationPhaseSeconds,
            };
            history.Add(record);
            progress?.Report(new TrainingProgress(epoch, epochs, passes * batches, passes * batches, record));

            if (checkpoints.IsDue(epoch))
                checkpoints.Write(checkpoints.State(epoch, step, best, history), best,
                    (path, checkpoint) => checkpoint.Save(path, CheckpointModules, CheckpointOptimizers));
        }
        best.LoadBest(checkpointFolder);
        return new TrainingOutcome(history, best.Epoch, best.Ndcg, Resumed: resumedFrom is not null);
    }

    /// <summary>
    /// One alternating epoch (<see cref="RecVaeStep.RunEpoch"/>), every pass over the users in an order of the
    /// epoch's <see cref="EpochRandomStreams.Shuffler"/>, the dropout and the noise from its generator; the mean
    /// negative ELBO of the encoder passes (of the decoder passes when there are none).
    /// </summary>
    private double TrainEpoch(CsrMatrix train, int epoch, int batches, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        int epochs = Settings.Epochs;
        int passes = Settings.EncoderEpochs + Settings.DecoderEpochs;
        var random = EpochRandomStreams.Shuffler(_config.Seed, epoch);
        using var generator = EpochRandomStreams.Generator(_config.Seed, epoch, replica: 0, Device);
        int pass = 0;
        IEnumerable<HostBatch> PassBatches()
        {
            int done = pass++ * batches;
            int b = 0;
            foreach (var batch in RecVaeStep.ShuffledBatches(train, Settings.BatchSize, random))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return batch;
                progress?.Report(new TrainingProgress(epoch, epochs, done + ++b, passes * batches, null));
            }
        }
        var result = _step.RunEpoch(PassBatches, generator);
        var losses = result.EncoderPassLosses.Count > 0 ? result.EncoderPassLosses : result.DecoderPassLosses;
        return losses.Count > 0 ? losses.Average() : double.NaN;
    }

    /// <summary>What a checkpoint holds besides its header, in this order: the network and the prior's old encoder ...</summary>
    private IReadOnlyList<nn.Module> CheckpointModules => [Network, Prior];

    /// <summary>... then the encoder's and the decoder's Adam.</summary>
    private IReadOnlyList<OptimizerHelper> CheckpointOptimizers => [_step.EncoderOptimizer, _step.DecoderOptimizer];

    /// <summary>NDCG@100 of the current weights on held-out users (fold-in in, fold-in items excluded, targets scored).</summary>
    public double Validate(HeldOutUsers users) => ValidateWithPhases(users).Ndcg;

    private (double Ndcg, IReadOnlyDictionary<string, double> PhaseSeconds) ValidateWithPhases(HeldOutUsers users)
    {
        Network.eval();
        return _validation.NdcgAt100(users, _config.Evaluation.BatchSize, Network.ItemCount,
            history => Network.call(history.ItemIndices, history.BagOffsets, history.NormWeights));
    }

    public void Export(string modelDirectory, IReadOnlyDictionary<string, string> metadata, string precision) =>
        RecVaeExporter.Export(Network, modelDirectory, metadata, precision);

    public void Dispose()
    {
        _validation.Dispose();
        _step.Dispose();
        Prior.Dispose();
        Network.Dispose();
    }
}
