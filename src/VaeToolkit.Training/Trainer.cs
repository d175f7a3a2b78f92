using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Training.Export;
using VaeToolkit.Training.Fitting;
using VaeToolkit.Training.Kernels;
using VaeToolkit.Training.Model;
using VaeToolkit.Training.Models;
using VaeToolkit.Training.Parallel;
using static TorchSharp.torch;

namespace VaeToolkit.Training;

/// <summary>
/// Trains a <see cref="MultVae"/> as in the reference implementation: Adam, multinomial log-likelihood
/// as the log-softmax gathered at the positives (never a dense input), KL weight annealed per step as
/// min(anneal_cap, step / total_anneal_steps), an L2 penalty lam × Σ‖W‖², validation NDCG@100 every
/// validation_step epochs, early stopping when asked (<see cref="EarlyStopping"/>), and the best epoch's weights as the result.
/// With <c>gpus: N</c> it trains N replicas data-parallel (<see cref="ReplicaGroup"/>): each takes its shard
/// of every batch, the gradients are summed by an all-reduce (each shard's loss is weighted by its share of
/// the batch, so the sum is the whole batch's gradient) and every replica takes the same Adam step
/// (<see cref="MultVaeStep"/>). This class is the algorithm; each of its jobs has a type of its own.
/// </summary>
public sealed class Trainer : IModelTrainer
{
    public const string LastCheckpointName = Checkpoint.LastName;

    /// <inheritdoc cref="Checkpoint.BestWeightsName"/>
    public static string BestWeightsName(int epoch) => Checkpoint.BestWeightsName(epoch);

    private readonly VaeConfig _config;
    private readonly ReplicaGroup _replicas;
    private readonly MultVaeStep _step;
    private readonly PhaseTimer _phases;
    private readonly ValidationCache _validation;

    public Trainer(VaeConfig config, int itemCount)
    {
        _config = config;
        Device = TorchDevices.ForTraining(config);

        ScalarType computeType = config.Precision switch
        {
            Precisions.Bf16 => ScalarType.BFloat16,
            Precisions.Fp16 => ScalarType.Float16,
            _ => ScalarType.Float32,
        };
        _replicas = new ReplicaGroup(config, Device, itemCount, computeType);
        Kernels = FusedKernelChoice.Apply(_replicas.Replicas, Device, config.Training.FusedKernels);
        _step = new MultVaeStep(_replicas, config);
        _phases = new PhaseTimer(Device);
        _validation = new ValidationCache(Device);
        MaxUsersPerPass = MemoryPlanner.UsersPerPass(config.Training.MaxUsersPerPass, Device, Model, itemCount, config.Training.BatchSize, _replicas.Count);
    }

    /// <summary>
    /// Users per forward/backward pass when a replica's share of a batch does not fit its device's memory
    /// (its passes then accumulate gradients); null when the whole share fits. It caps validation
    /// batches too.
    /// </summary>
    public int? MaxUsersPerPass { get; }

    /// <summary>The model (the first replica); it holds the result after <see cref="Fit"/>.</summary>
    public MultVae Model => _replicas.First;

    /// <summary>The fp16 loss scaler, when training in fp16.</summary>
    public DynamicLossScaler? LossScaler => _step.LossScalers.FirstOrDefault();

    /// <summary>Every replica's fp16 loss scaler (empty unless fp16).</summary>
    internal IReadOnlyList<DynamicLossScaler> LossScalers => _step.LossScalers;

    /// <summary>Sets every replica's fp16 loss scaler to <paramref name="state"/> (from a checkpoint, or a test's).</summary>
    internal void RestoreLossScalers(LossScalerState state)
    {
        foreach (var scaler in _step.LossScalers) scaler.Restore(state);
    }

    /// <summary>Every replica's model, in device order (one entry unless gpus > 1).</summary>
    public IReadOnlyList<MultVae> Replicas => _replicas.Replicas;

    public Device Device { get; }

    public string DeviceName => DeviceDescription.Describe(Device);

    public ModelShape Shape => new(Model.LatentDim, _config.Model.EncoderDims);

    /// <summary>Writes the encoder and recommender graphs and the item embeddings of the model's current weights (<see cref="OnnxExporter"/>).</summary>
    public void Export(string modelDirectory, IReadOnlyDictionary<string, string> metadata, string precision) =>
        OnnxExporter.Export(Model.ToWeights(), modelDirectory, metadata, precision);

    /// <summary>
    /// What runs the likelihood and the item layer: "fused (NVRTC x.y, sm_XY)" for the CUDA kernels, else
    /// "libtorch", with the reason when the fused kernels were asked for but could not load (<see cref="FusedKernelChoice"/>).
    /// </summary>
    public string Kernels { get; }

    /// <summary>Starts a log line that is a warning (the cmdlets write it to the warning stream).</summary>
    public const string WarningPrefix = "warning: ";

    /// <summary>A warning about a setting that works here but runs far slower than it should; else null.</summary>
    public string? Warning => Device.type == DeviceType.CPU && _config.Precision == Precisions.Fp16
        ? WarningPrefix + "fp16 on the CPU runs about 15x slower than fp32 (CPUs lack fast fp16 products); it is meant for GPUs, use fp32 or bf16 here"
        : null;

    /// <summary>
    /// Trains on <paramref name="data"/>'s training users. With a checkpoint folder, a checkpoint is
    /// written every checkpoint_step epochs and, when <paramref name="resume"/> is set, training
    /// continues from the last one. Cancellation is checked between batches; the last checkpoint stays.
    /// On return the model holds the best validation epoch's weights.
    /// </summary>
    public TrainingOutcome Fit(PreparedDataset data, string? checkpointFolder, bool resume, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var training = _config.Training;
        var checkpoints = new CheckpointFolder(checkpointFolder, _config, data);
        using var best = new BestWeightsKeeper(Model);
        var history = new List<EpochRecord>();
        long step = 0;
        var resumedFrom = checkpoints.Resume(resume, LoadCheckpoint);
        if (resumedFrom is not null)
        {
            step = resumedFrom.Step;
            best.Resume(resumedFrom.BestEpoch, resumedFrom.BestNdcg);
            history.AddRange(resumedFrom.History);
        }
        int firstEpoch = (resumedFrom?.Epoch ?? 0) + 1;
        var stopping = EarlyStopping.Replay(training, history);
        int lastEpoch = Math.Min(resumedFrom?.Epoch ?? 0, training.Epochs);
        if (stopping.ShouldStop) firstEpoch = training.Epochs + 1; // the checkpoint's run had already stopped early
        _step.StartAdam(); // from the optimizers' state, resumed or not

        int batches = (data.Train.RowCount + training.BatchSize - 1) / training.BatchSize;
        // One prefetcher for the whole run, so that it builds the next epoch's first batches while this
        // epoch ends and validates.
        var epochOrders = Enumerable.Range(firstEpoch, Math.Max(0, training.Epochs - firstEpoch + 1))
            .Select(epoch => ShuffledRows(data.Train.RowCount, _config.Seed, epoch));
        using var prefetcher = new BatchPrefetcher(data.Train, epochOrders, training.BatchSize, _replicas.Count, MaxUsersPerPass, pin: Device.type == DeviceType.CUDA);
        for (int epoch = firstEpoch; epoch <= training.Epochs; epoch++)
        {
            var watch = Stopwatch.StartNew();
            (double loss, double klWeight, double issueSeconds, var phaseSeconds) = TrainEpoch(prefetcher, epoch, ref step, batches, progress, cancellationToken);
            double trainSeconds = watch.Elapsed.TotalSeconds;

            var validation = EpochValidation.RunIfDue(epoch, training.Epochs, training.ValidationStep, () => ValidateWithPhases(data.Validation), best, stopping);

            var scalerState = LossScaler?.State;
            var record = new EpochRecord(epoch, loss, klWeight, trainSeconds, data.Train.RowCount, validation.Ndcg, validation.Seconds, data.Validation.UsersWithTargets)
            {
                IssueSeconds = issueSeconds,
                PhaseSeconds = phaseSeconds,
                ValidationPhaseSeconds = validation.PhaseSeconds,
                LossScale = scalerState?.Scale,
                SkippedSteps = scalerState?.SkippedSteps,
            };
            history.Add(record);
            progress?.Report(new TrainingProgress(epoch, training.Epochs, batches, batches, record));
            lastEpoch = epoch;

            if (checkpoints.IsDue(epoch, last: stopping.ShouldStop))
                checkpoints.Write(checkpoints.State(epoch, step, best, history) with { LossScaler = scalerState }, best, SaveCheckpoint);
            if (stopping.ShouldStop) break;
        }

        _step.WriteStepCounts();
        best.LoadBest(checkpointFolder);
        return new TrainingOutcome(history, best.Epoch, best.Ndcg, resumedFrom is not null) { Stop = stopping.Outcome(lastEpoch, best.Epoch) };
    }

    /// <summary>
    /// One epoch: per batch the KL weight of the step, then the step. Besides the mean loss and the last
    /// KL weight it returns how long the host took to issue the epoch's work (the device runs behind it,
    /// and the loss read at the end waits for the device) and the time of each phase of the steps.
    /// </summary>
    private (double MeanLoss, double KlWeight, double IssueSeconds, IReadOnlyDictionary<string, double> PhaseSeconds) TrainEpoch(
        BatchPrefetcher prefetcher, int epoch, ref long step, int batches, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var issueWatch = Stopwatch.StartNew();
        _phases.Start();
        var generators = _replicas.Replicas.Select((replica, r) => EpochRandomStreams.Generator(_config.Seed, epoch, r, ReplicaGroup.DeviceOf(replica))).ToList();
        var lossSums = _replicas.Replicas.Select(replica => zeros(1, device: ReplicaGroup.DeviceOf(replica))).ToList();
        double klWeight = 0;
        foreach (var replica in _replicas.Replicas) replica.train();

        for (int b = 0; b < batches; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            HostBatch[][] shards = prefetcher.Next();
            klWeight = KlWeight(step);
            _step.Run(shards, klWeight, generators, lossSums, _phases);
            step++;
            progress?.Report(new TrainingProgress(epoch, _config.Training.Epochs, b + 1, batches, null));
        }

        double issueSeconds = issueWatch.Elapsed.TotalSeconds;
        double meanLoss = lossSums.Sum(sum => (double)sum.item<float>()) / batches;
        var phaseSeconds = _phases.Stop();
        foreach (var tensor in lossSums) tensor.Dispose();
        foreach (var generator in generators) generator?.Dispose();
        return (meanLoss, klWeight, issueSeconds, phaseSeconds);
    }

    /// <summary>The KL weight of step <paramref name="step"/>: min(anneal_cap, step / total_anneal_steps); 0 for Mult-DAE.</summary>
    private double KlWeight(long step) =>
        Model.IsVae ? Math.Min(_config.Training.AnnealCap, (double)step / _config.Training.TotalAnnealSteps) : 0;

    /// <summary>NDCG@100 of the current weights on held-out users (fold-in in, targets scored).</summary>
    public double Validate(HeldOutUsers users) => ValidateWithPhases(users).Ndcg;

    /// <summary><see cref="Validate"/>, with its time by phase: batch (the first time only), forward, top-k, metrics.</summary>
    private (double Ndcg, IReadOnlyDictionary<string, double> PhaseSeconds) ValidateWithPhases(HeldOutUsers users)
    {
        Model.eval();
        int batchSize = Math.Min(_config.Evaluation.BatchSize, MaxUsersPerPass ?? int.MaxValue);
        return _validation.NdcgAt100(users, batchSize, Model.ItemCount,
            history => Model.call(history.ItemIndices, history.BagOffsets, history.NormWeights));
    }

    /// <summary>Loads a checkpoint into every replica (the first checks the file's checksum) and the loss scalers.</summary>
    private Checkpoint LoadCheckpoint(string path)
    {
        var checkpoint = Checkpoint.Load(path, Model, _replicas.Optimizers[0]);
        for (int r = 1; r < _replicas.Count; r++)
            Checkpoint.Load(path, _replicas.Replicas[r], _replicas.Optimizers[r], verify: false);
        if (checkpoint.LossScaler is { } scalerState) RestoreLossScalers(scalerState);
        return checkpoint;
    }

    /// <summary>Saves the first replica and its Adam (the replicas are the same).</summary>
    private void SaveCheckpoint(string path, Checkpoint checkpoint)
    {
        _step.WriteStepCounts();
        checkpoint.Save(path, Model, _replicas.Optimizers[0]);
    }

    /// <summary>A deterministic shuffle of 0..count-1 for one epoch (<see cref="EpochRandomStreams.ShuffledRows"/>).</summary>
    internal static int[] ShuffledRows(int count, int seed, int epoch) => EpochRandomStreams.ShuffledRows(count, seed, epoch);

    /// <inheritdoc cref="ResumeCheck.Check"/>
    public static void CheckResume(string checkpointPath, Checkpoint state, VaeConfig config, PreparedDataset data) =>
        ResumeCheck.Check(checkpointPath, state, config, data);

    /// <inheritdoc cref="ResumeCheck.Key"/>
    internal static string ResumeKey(VaeConfig config) => ResumeCheck.Key(config);

    public void Dispose()
    {
        _step.Dispose();
        _phases.Dispose();
        _validation.Dispose();
        _replicas.Dispose();
    }
}
