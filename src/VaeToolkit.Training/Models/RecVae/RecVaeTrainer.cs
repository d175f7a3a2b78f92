using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Training.Fitting;
using VaeToolkit.Training.Model;
using VaeToolkit.Training.Parallel;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Models.RecVae;

/// <summary>
/// Trains RecVAE (<see cref="RecVaeNetwork"/>, <see cref="CompositePrior"/>, <see cref="RecVaeStep"/>) for
/// <c>model.type: recvae</c>: each epoch the encoder passes, the prior's refresh and the decoder passes; validation
/// NDCG@100 on the validation users every validation_step epochs and at the last (the same metric as the Mult-VAE
/// trainer: fold-in in, fold-in items excluded, <see cref="ValidationCache"/>), early stopping when asked
/// (<see cref="EarlyStopping"/>); the best epoch's weights kept
/// (<see cref="BestWeightsKeeper"/>) and loaded back at the end; checkpoints and resumption as the Mult-VAE
/// trainer's (<see cref="CheckpointFolder"/>, <see cref="ResumeCheck"/>, <see cref="EpochRandomStreams"/>). Widths from <c>model.encoder_dims</c> ([hidden, latent]), input dropout from <c>model.dropout</c>,
/// learning rate, Adam's betas, batch size and epochs from <c>training</c>, the rest from <c>model.recvae</c>.
/// <para>
/// With <c>gpus: N</c> it trains N replicas (network, prior and both Adams each) data-parallel, as
/// <see cref="RecVaeStep"/> describes: shards of every batch, the updated group's gradients all-reduced, the
/// same step everywhere (on the CPU, N in-process replicas, which check the maths). bf16 and fp16 compute the
/// dense products in half precision through <see cref="RecVaeNetwork.ComputeType"/>; fp16 scales the loss with
/// a <see cref="DynamicLossScaler"/> and skips a step whose gradients overflow.
/// </para>
/// </summary>
public sealed class RecVaeTrainer : IModelTrainer
{
    private readonly VaeConfig _config;
    private readonly RecVaeStep _step;
    private readonly ValidationCache _validation;
    private readonly List<RecVaeNetwork> _networks = [];
    private readonly List<CompositePrior> _priors = [];

    public RecVaeTrainer(VaeConfig config, int itemCount)
    {
        if (config.Model.EncoderDims.Count != 2)
            throw new ArgumentException($"RecVAE takes model.encoder_dims as exactly [hidden, latent], not {config.Model.EncoderDims.Count} entries", nameof(config));
        _config = config;
        Settings = SettingsOf(config);
        Settings.Validate();
        Device = TorchDevices.ForTraining(config);

        var computeType = config.Precision switch
        {
            Precisions.Bf16 => ScalarType.BFloat16,
            Precisions.Fp16 => ScalarType.Float16,
            _ => ScalarType.Float32,
        };
        // The replicas (one unless gpus > 1), all from the first one's random initialisation.
        foreach (var replicaDevice in ReplicaGroup.Devices(config, Device))
        {
            var network = new RecVaeNetwork(itemCount, Settings);
            network.to(replicaDevice);
            network.ComputeType = computeType;
            var prior = CompositePrior.For(network, Settings);
            prior.OldEncoder.ComputeType = computeType;
            if (_networks.Count > 0)
            {
                ReplicaGroup.CopyWeights(_networks[0], network);
                ReplicaGroup.CopyWeights(_priors[0], prior);
            }
            _networks.Add(network);
            _priors.Add(prior);
        }
        _step = new RecVaeStep(_networks, _priors, Settings, lossScaled: config.Precision == Precisions.Fp16);
        _validation = new ValidationCache(Device);
    }

    /// <summary>The RecVAE settings of <paramref name="config"/>.</summary>
    public static RecVaeSettings SettingsOf(VaeConfig config)
    {
        var recVae = RecVaeConfig.Of(config);
        return new()
        {
            HiddenDim = config.Model.EncoderDims[0],
            LatentDim = config.Model.EncoderDims[^1],
            Gamma = recVae.Gamma,
            Beta = recVae.Beta,
            LearningRate = config.Training.LearningRate,
            AdamBeta1 = config.Training.Beta1,
            AdamBeta2 = config.Training.Beta2,
            BatchSize = config.Training.BatchSize,
            Epochs = config.Training.Epochs,
            EncoderEpochs = recVae.EncoderEpochs,
            DecoderEpochs = recVae.DecoderEpochs,
            Dropout = config.Model.Dropout,
            MixtureWeights = recVae.MixtureWeights,
        };
    }

    public RecVaeSettings Settings { get; }

    /// <summary>The network (the first replica's); it holds the best validation epoch's weights after <see cref="Fit"/>.</summary>
    public RecVaeNetwork Network => _networks[0];

    /// <summary>The first replica's prior.</summary>
    public CompositePrior Prior => _priors[0];

    /// <summary>Every replica's network, in device order (one entry unless gpus > 1).</summary>
    public IReadOnlyList<RecVaeNetwork> Replicas => _networks;

    /// <summary>Every replica's prior, in the same order.</summary>
    public IReadOnlyList<CompositePrior> Priors => _priors;

    /// <summary>The fp16 loss scaler (the first replica's), when training in fp16.</summary>
    public DynamicLossScaler? LossScaler => _step.LossScalers.FirstOrDefault();

    /// <summary>Every replica's fp16 loss scaler (empty unless fp16).</summary>
    internal IReadOnlyList<DynamicLossScaler> LossScalers => _step.LossScalers;

    /// <summary>Sets every replica's fp16 loss scaler to <paramref name="state"/> (from a checkpoint, or a test's).</summary>
    internal void RestoreLossScalers(LossScalerState state)
    {
        foreach (var scaler in _step.LossScalers) scaler.Restore(state);
    }

    public Device Device { get; }

    public string DeviceName => DeviceDescription.Describe(Device);

    /// <summary>As Mult-VAE's trainer: fp16 on the CPU works but runs far slower than fp32.</summary>
    public string? Warning => Device.type == DeviceType.CPU && _config.Precision == Precisions.Fp16
        ? Trainer.WarningPrefix + "fp16 on the CPU runs far slower than fp32 (CPUs lack fast fp16 products); it is meant for GPUs, use fp32 or bf16 here"
        : null;

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
        var resumedFrom = checkpoints.Resume(resume, LoadCheckpoint);
        if (resumedFrom is not null)
        {
            best.Resume(resumedFrom.BestEpoch, resumedFrom.BestNdcg);
            history.AddRange(resumedFrom.History);
        }
        _step.StartAdam(); // fp16's device-side steps, from the optimizers' state, resumed or not
        int firstEpoch = (resumedFrom?.Epoch ?? 0) + 1;
        var stopping = EarlyStopping.Replay(_config.Training, history);
        int lastEpoch = Math.Min(resumedFrom?.Epoch ?? 0, Settings.Epochs);
        if (stopping.ShouldStop) firstEpoch = Settings.Epochs + 1; // the checkpoint's run had already stopped early
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

            var validation = EpochValidation.RunIfDue(epoch, epochs, _config.Training.ValidationStep, () => ValidateWithPhases(data.Validation), best, stopping);

            var scalerState = LossScaler?.State;
            var record = new EpochRecord(epoch, loss, Settings.Gamma is > 0 ? Settings.Gamma.Value : Settings.Beta ?? 0,
                trainSeconds, data.Train.RowCount, validation.Ndcg, validation.Seconds, data.Validation.UsersWithTargets)
            {
                ValidationPhaseSeconds = validation.PhaseSeconds,
                LossScale = scalerState?.Scale,
                SkippedSteps = scalerState?.SkippedSteps,
            };
            history.Add(record);
            progress?.Report(new TrainingProgress(epoch, epochs, passes * batches, passes * batches, record));
            lastEpoch = epoch;

            if (checkpoints.IsDue(epoch, last: stopping.ShouldStop))
                checkpoints.Write(checkpoints.State(epoch, step, best, history) with { LossScaler = scalerState }, best, SaveCheckpoint);
            if (stopping.ShouldStop) break;
        }
        _step.WriteStepCounts();
        best.LoadBest(checkpointFolder);
        return new TrainingOutcome(history, best.Epoch, best.Ndcg, Resumed: resumedFrom is not null) { Stop = stopping.Outcome(lastEpoch, best.Epoch) };
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
        // Every replica's generator is seeded as one device's: each draws the whole batch's numbers and takes its shard's.
        var generators = _networks.Select(network => EpochRandomStreams.Generator(_config.Seed, epoch, replica: 0, network.Encoder.ItemWeight.device)).ToList();
        int pass = 0;
        IEnumerable<HostBatch[]> PassShards()
        {
            int done = pass++ * batches;
            int b = 0;
            foreach (var shards in RecVaeStep.ShuffledShards(train, Settings.BatchSize, random, _networks.Count))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return shards;
                progress?.Report(new TrainingProgress(epoch, epochs, done + ++b, passes * batches, null));
            }
        }
        RecVaeEpochResult result;
        try
        {
            result = _step.RunEpoch(PassShards, generators);
        }
        finally
        {
            foreach (var generator in generators) generator?.Dispose();
        }
        var losses = result.EncoderPassLosses.Count > 0 ? result.EncoderPassLosses : result.DecoderPassLosses;
        return losses.Count > 0 ? losses.Average() : double.NaN;
    }

    /// <summary>What a checkpoint holds besides its header, in this order: replica r's network and prior's old encoder ...</summary>
    private IReadOnlyList<nn.Module> CheckpointModules(int r) => [_networks[r], _priors[r]];

    /// <summary>... then its encoder's and decoder's Adam.</summary>
    private IReadOnlyList<OptimizerHelper> CheckpointOptimizers(int r) => [_step.EncoderOptimizers[r], _step.DecoderOptimizers[r]];

    /// <summary>Loads a checkpoint into every replica (the first checks the file's checksum) and the loss scalers.</summary>
    private Checkpoint LoadCheckpoint(string path)
    {
        var checkpoint = Checkpoint.Load(path, CheckpointModules(0), CheckpointOptimizers(0));
        for (int r = 1; r < _networks.Count; r++)
            Checkpoint.Load(path, CheckpointModules(r), CheckpointOptimizers(r), verify: false);
        if (checkpoint.LossScaler is { } scalerState) RestoreLossScalers(scalerState);
        return checkpoint;
    }

    /// <summary>Saves the first replica (the replicas are the same) with its Adams' step counts brought up to date.</summary>
    private void SaveCheckpoint(string path, Checkpoint checkpoint)
    {
        _step.WriteStepCounts();
        checkpoint.Save(path, CheckpointModules(0), CheckpointOptimizers(0));
    }

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
        foreach (var prior in _priors) prior.Dispose();
        foreach (var network in _networks) network.Dispose();
    }
}
