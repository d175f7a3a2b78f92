using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Training.Export;
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
/// validation_step epochs, and the best epoch's weights as the result. The only optimizer user.
/// With <c>gpus: N</c> it trains N replicas data-parallel: each takes its shard of every batch, the
/// gradients are summed by an all-reduce (each shard's loss is weighted by its share of the batch, so
/// the sum is the whole batch's gradient) and every replica takes the same Adam step.
/// </summary>
public sealed class Trainer : IModelTrainer
{
    public const string LastCheckpointName = "last.ckpt";
    /// <summary>
    /// The best epoch's weights in a checkpoint folder (<c>best-0007.weights</c>). A new best is written beside
    /// the one the last checkpoint names, which goes only once a checkpoint naming the new one is in place:
    /// whatever moment a run is killed at, its checkpoint's best weights exist.
    /// </summary>
    public static string BestWeightsName(int epoch) => $"best-{epoch:D4}.weights";

    private readonly VaeConfig _config;
    private readonly List<MultVae> _replicas = [];
    private readonly List<Adam> _optimizers = [];
    private readonly IGradientAllReduce? _allReduce;
    private readonly List<DynamicLossScaler> _lossScalers = []; // fp16: one per replica, each on its device
    private readonly List<DeviceAdam?> _adamSteps = [];           // per replica; null: TorchSharp's own step (set by Fit)
    private readonly PhaseTimer _phases;
    private readonly PhaseTimer _validationPhases;
    private ValidationBatches? _validationBatches; // the last users validated, kept on the device for the next validation

    public Trainer(VaeConfig config, int itemCount)
    {
        _config = config;
        Device = TorchDevices.Resolve(config.Device);
        if (config.Training.Threads is int threads) set_num_threads(threads);
        if (Device.type == DeviceType.CUDA)
            backends.cuda.matmul.allow_tf32 = config.Precision == Precisions.Tf32;
        manual_seed(config.Seed);
        if (Device.type == DeviceType.CUDA) cuda.manual_seed_all(config.Seed);

        ScalarType computeType = config.Precision switch
        {
            Precisions.Bf16 => ScalarType.BFloat16,
            Precisions.Fp16 => ScalarType.Float16,
            _ => ScalarType.Float32,
        };
        foreach (var device in ReplicaDevices(config, Device))
        {
            var replica = new MultVae(itemCount, config.Model) { ComputeType = computeType }.to(device);
            if (_replicas.Count > 0) CopyWeights(_replicas[0], replica);
            _replicas.Add(replica);
            _optimizers.Add(optim.Adam(replica.parameters(), config.Training.LearningRate, config.Training.Beta1, config.Training.Beta2));
        }
        if (_replicas.Count > 1)
            _allReduce = Device.type == DeviceType.CUDA ? new NcclAllReduce([.. Enumerable.Range(0, _replicas.Count)]) : new InProcessAllReduce();
        Kernels = UseFusedKernels(config);
        // Every replica sees the same summed gradients, so their scalers move in step without talking.
        if (config.Precision == Precisions.Fp16)
            _lossScalers.AddRange(_replicas.Select(replica => new DynamicLossScaler(ParameterDevice(replica))));
        _phases = new PhaseTimer(Device);
        _validationPhases = new PhaseTimer(Device);

        MaxUsersPerPass = config.Training.MaxUsersPerPass;
        if (MaxUsersPerPass is null && MemoryPlanner.QueryCuda(Device) is var (free, _))
        {
            long parameterCount = Model.parameters().Sum(p => p.numel());
            int perPass = MemoryPlanner.MaxUsersPerPass(free, itemCount, parameterCount, Model.DenseParameterCount, computeType);
            int perReplica = (config.Training.BatchSize + _replicas.Count - 1) / _replicas.Count;
            if (perPass < perReplica) MaxUsersPerPass = perPass;
        }
    }

    /// <summary>
    /// Users per forward/backward pass when a replica's share of a batch does not fit its device's memory
    /// (its passes then accumulate gradients); null when the whole share fits. It caps validation
    /// batches too.
    /// </summary>
    public int? MaxUsersPerPass { get; }

    /// <summary>The model (the first replica); it holds the result after <see cref="Fit"/>.</summary>
    public MultVae Model => _replicas[0];

    /// <summary>The fp16 loss scaler, when training in fp16.</summary>
    public DynamicLossScaler? LossScaler => _lossScalers.FirstOrDefault();

    /// <summary>Every replica's fp16 loss scaler (empty unless fp16).</summary>
    internal IReadOnlyList<DynamicLossScaler> LossScalers => _lossScalers;

    /// <summary>Sets every replica's fp16 loss scaler to <paramref name="state"/> (from a checkpoint, or a test's).</summary>
    internal void RestoreLossScalers(LossScalerState state)
    {
        foreach (var scaler in _lossScalers) scaler.Restore(state);
    }

    /// <summary>Every replica's model, in device order (one entry unless gpus > 1).</summary>
    public IReadOnlyList<MultVae> Replicas => _replicas;

    public Device Device { get; }

    public string DeviceName => DeviceDescription.Describe(Device);

    public ModelShape Shape => new(Model.LatentDim, _config.Model.EncoderDims);

    /// <summary>Writes the encoder and recommender graphs and the item embeddings of the model's current weights (<see cref="OnnxExporter"/>).</summary>
    public void Export(string modelDirectory, IReadOnlyDictionary<string, string> metadata, string precision) =>
        OnnxExporter.Export(Model.ToWeights(), modelDirectory, metadata, precision);

    /// <summary>
    /// What runs the likelihood and the item layer: "fused (NVRTC x.y, sm_XY)" for the CUDA kernels, else
    /// "libtorch", with the reason when the fused kernels were asked for but could not load.
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
        var history = new List<EpochRecord>();
        int firstEpoch = 1;
        long step = 0;
        int bestEpoch = 0;
        double bestNdcg = double.NegativeInfinity;
        Dictionary<string, Tensor>? bestWeights = null;
        bool bestSaved = true;
        string configHash = ResumeKey(_config);

        string? lastPath = checkpointFolder is null ? null : Path.Combine(checkpointFolder, LastCheckpointName);
        if (resume && lastPath is not null && File.Exists(lastPath))
        {
            CheckResume(lastPath, Checkpoint.ReadState(lastPath, verify: false), _config, data); // before anything is loaded
            var checkpoint = Checkpoint.Load(lastPath, Model, _optimizers[0]);
            for (int r = 1; r < _replicas.Count; r++)
                Checkpoint.Load(lastPath, _replicas[r], _optimizers[r], verify: false);
            if (checkpoint.LossScaler is { } scalerState) RestoreLossScalers(scalerState);
            (firstEpoch, step, bestEpoch, bestNdcg) = (checkpoint.Epoch + 1, checkpoint.Step, checkpoint.BestEpoch, checkpoint.BestNdcg);
            history.AddRange(checkpoint.History);
        }
        bool resumed = firstEpoch > 1;
        StartAdamSteps(); // from the optimizers' state, resumed or not

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

            double? ndcg = null;
            double? validationSeconds = null;
            IReadOnlyDictionary<string, double>? validationPhaseSeconds = null;
            if (epoch % training.ValidationStep == 0 || epoch == training.Epochs)
            {
                watch.Restart();
                (ndcg, validationPhaseSeconds) = ValidateWithPhases(data.Validation);
                validationSeconds = watch.Elapsed.TotalSeconds;
                if (ndcg > bestNdcg)
                {
                    (bestNdcg, bestEpoch) = (ndcg.Value, epoch);
                    DisposeAll(bestWeights);
                    bestWeights = CopyWeights();
                    bestSaved = false;
                }
            }

            var scalerState = LossScaler?.State;
            var record = new EpochRecord(epoch, loss, klWeight, trainSeconds, data.Train.RowCount, ndcg, validationSeconds, data.Validation.UsersWithTargets)
            {
                IssueSeconds = issueSeconds,
                PhaseSeconds = phaseSeconds,
                ValidationPhaseSeconds = validationPhaseSeconds,
                LossScale = scalerState?.Scale,
                SkippedSteps = scalerState?.SkippedSteps,
            };
            history.Add(record);
            progress?.Report(new TrainingProgress(epoch, training.Epochs, batches, batches, record));

            if (checkpointFolder is not null && (epoch % training.CheckpointStep == 0 || epoch == training.Epochs))
            {
                // Best weights first: the checkpoint that names the best epoch must never outlive them.
                if (!bestSaved && bestWeights is not null)
                {
                    SaveWeights(Path.Combine(checkpointFolder, BestWeightsName(bestEpoch)), bestWeights, bestEpoch);
                    bestSaved = true;
                }
                foreach (var adam in _adamSteps) adam?.WriteStepCount();
                new Checkpoint(epoch, step, bestEpoch, bestNdcg, configHash, history)
                {
                    LossScaler = scalerState,
                    DataHash = data.DataHash,
                    ItemCount = data.ItemCount,
                    Settings = ResumeSettings(_config),
                }.Save(lastPath!, Model, _optimizers[0]);
                RemoveOtherBestWeights(checkpointFolder, bestEpoch);
            }
        }

        foreach (var adam in _adamSteps) adam?.WriteStepCount();
        if (bestWeights is not null)
            LoadWeights(bestWeights);
        else if (checkpointFolder is not null && bestEpoch > 0)
            Checkpoint.LoadWeights(Path.Combine(checkpointFolder, BestWeightsName(bestEpoch)), Model, bestEpoch); // resumed after the last epoch had already run
        DisposeAll(bestWeights);
        return new TrainingOutcome(history, bestEpoch, bestNdcg, resumed);
    }

    /// <summary>Deletes the best weights of every epoch but <paramref name="bestEpoch"/> (older bests, or one a killed run wrote ahead of its checkpoint).</summary>
    private static void RemoveOtherBestWeights(string checkpointFolder, int bestEpoch)
    {
        foreach (string file in Directory.EnumerateFiles(checkpointFolder, BestWeightsName(0).Replace("0000", "*")))
            if (Path.GetFileName(file) != BestWeightsName(bestEpoch)) File.Delete(file);
    }

    /// <summary>NDCG@100 of the current weights on held-out users (fold-in in, targets scored).</summary>
    public double Validate(HeldOutUsers users) => ValidateWithPhases(users).Ndcg;

    /// <summary><see cref="Validate"/>, with its time by phase: batch (the first time only), forward, top-k, metrics.</summary>
    private (double Ndcg, IReadOnlyDictionary<string, double> PhaseSeconds) ValidateWithPhases(HeldOutUsers users)
    {
        Model.eval();
        using var noGrad = no_grad();
        _validationPhases.Start();
        int batchSize = Math.Min(_config.Evaluation.BatchSize, MaxUsersPerPass ?? int.MaxValue);
        if (_validationBatches is not { } cached || !ReferenceEquals(cached.Users, users) || cached.BatchSize != batchSize)
        {
            _validationBatches?.Dispose();
            _validationBatches = null; // a failed build leaves nothing half-made behind
            _validationBatches = new ValidationBatches(users, batchSize, Model.ItemCount, Device);
            _validationPhases.Mark("batch");
        }
        double ndcg = _validationBatches.NdcgAt100(Model, _validationPhases);
        return (ndcg, _validationPhases.Stop());
    }

    /// <summary>
    /// One epoch. Besides the mean loss and the last KL weight it returns how long the host took to issue
    /// the epoch's work (the device runs behind it, and the loss read at the end waits for the device)
    /// and the time of each phase of the steps.
    /// </summary>
    private (double MeanLoss, double KlWeight, double IssueSeconds, IReadOnlyDictionary<string, double> PhaseSeconds) TrainEpoch(
        BatchPrefetcher prefetcher, int epoch, ref long step, int batches, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var issueWatch = Stopwatch.StartNew();
        _phases.Start();
        var training = _config.Training;
        var generators = _replicas.Select((replica, r) => EpochRandomStream(r, epoch, ParameterDevice(replica))).ToList();
        var lossSums = _replicas.Select(replica => zeros(1, device: ParameterDevice(replica))).ToList();
        double klWeight = 0;
        foreach (var replica in _replicas) replica.train();

        for (int b = 0; b < batches; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            HostBatch[][] shards = prefetcher.Next();
            int batchSize = shards.Sum(passes => passes.Sum(pass => pass.Users));
            klWeight = Model.IsVae ? Math.Min(training.AnnealCap, (double)step / training.TotalAnnealSteps) : 0;

            ClearGradients();
            _phases.Mark("batch");
            ForEachReplica(r =>
            {
                // Passes of one shard accumulate their gradients: together they are the shard's gradient.
                var phases = r == 0 ? _phases : null; // the first replica is timed
                foreach (var pass in shards[r])
                {
                    using var scope = NewDisposeScope();
                    Tensor loss = PassLoss(r, pass, batchSize, klWeight, generators[r], phases);
                    (_lossScalers.Count > 0 ? _lossScalers[r].ScaleLoss(loss) : loss).backward();
                    lossSums[r].add_(loss.detach());
                    phases?.Mark("backward");
                }
            });
            if (training.Lam > 0)
            {
                // The penalty belongs to the batch, not to a user: the first replica adds it once (the
                // all-reduce shares it), its gradient straight into the gradients.
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                if (LossScaler is { } scaler)
                    scaler.AddL2PenaltyGradient(Model.WeightMatrices, training.Lam);
                else
                    MultVaeObjective.AddL2PenaltyGradient(Model.WeightMatrices, training.Lam);
                lossSums[0].add_(MultVaeObjective.L2Penalty(Model.WeightMatrices, training.Lam));
            }
            if (_allReduce is not null)
                _allReduce.AllReduceSum([.. _replicas.Select(replica => (IReadOnlyList<Tensor>)[.. replica.parameters().Select(p => p.grad!)])]);
            ForEachReplica(r =>
            {
                using var overflow = _lossScalers.Count > 0 ? _lossScalers[r].UnscaleAndUpdate(_replicas[r].parameters()) : null;
                if (_adamSteps[r] is { } adam)
                    adam.Step(overflow);
                else
                    _optimizers[r].step();
            });
            _phases.Mark("update");
            step++;
            progress?.Report(new TrainingProgress(epoch, training.Epochs, b + 1, batches, null));
        }

        double issueSeconds = issueWatch.Elapsed.TotalSeconds;
        double meanLoss = lossSums.Sum(sum => (double)sum.item<float>()) / batches;
        var phaseSeconds = _phases.Stop();
        foreach (var tensor in lossSums) tensor.Dispose();
        foreach (var generator in generators) generator?.Dispose();
        return (meanLoss, klWeight, issueSeconds, phaseSeconds);
    }

    /// <summary>
    /// Runs <paramref name="work"/> for every replica. With several, each gets a thread of its own, so
    /// that one host thread does not queue N devices' work in turn: at 8 GPUs of a few milliseconds a
    /// step, one thread would set the pace. The replicas share nothing until the all-reduce.
    /// </summary>
    private void ForEachReplica(Action<int> work)
    {
        if (_replicas.Count == 1)
        {
            work(0);
            return;
        }
        try
        {
            System.Threading.Tasks.Parallel.For(0, _replicas.Count, new ParallelOptions { MaxDegreeOfParallelism = _replicas.Count }, r =>
            {
                var device = ParameterDevice(_replicas[r]);
                if (device.type == DeviceType.CUDA) CudaRuntime.SetDevice(device.index); // the current device is per thread
                work(r);
            });
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw(); // as if the work had run on this thread
        }
    }

    /// <summary>
    /// Each replica's Adam step, on its optimizer's state as it is now: the fused kernel, or
    /// <see cref="CpuAdam"/> on the CPU, one pass per parameter; on CUDA without the fused kernels
    /// TorchSharp's own, except in fp16, whose overflow flag only <see cref="DeviceAdam.OperatorStep"/> reads.
    /// </summary>
    private void StartAdamSteps()
    {
        foreach (var adam in _adamSteps) adam?.Dispose();
        _adamSteps.Clear();
        foreach (var (replica, optimizer) in _replicas.Zip(_optimizers))
        {
            AdamStepKernel? kernel = replica.FusedKernels is { } kernels ? kernels.AdamStep
                : ParameterDevice(replica).type == DeviceType.CPU ? CpuAdam.Step
                : _lossScalers.Count > 0 ? DeviceAdam.OperatorStep
                : null;
            _adamSteps.Add(kernel is null ? null : new DeviceAdam(optimizer, kernel));
        }
    }

    /// <summary>
    /// On CUDA the gradients are set to none, as PyTorch does by default: the first backward pass then
    /// hands its gradients over instead of adding them to zeros. On the CPU they are zeroed in place
    /// (TorchSharp's zero_grad): there libtorch allocates with malloc, and fresh buffers of this size
    /// every step cost page faults.
    /// </summary>
    private void ClearGradients()
    {
        if (Device.type != DeviceType.CUDA)
        {
            foreach (var optimizer in _optimizers) optimizer.zero_grad();
            return;
        }
        foreach (var parameter in _replicas.SelectMany(replica => replica.parameters())) parameter.grad = null;
    }

    /// <summary>
    /// One pass's part of the batch objective on replica <paramref name="r"/>: its users' negative ELBO
    /// weighted by their share of the batch, so that the passes' gradients add up to the batch's.
    /// </summary>
    private Tensor PassLoss(int r, HostBatch pass, int batchSize, double klWeight, Generator? generator, PhaseTimer? phases)
    {
        var model = _replicas[r];
        var device = ParameterDevice(model);
        using var batch = HistoryBatch.Upload(pass, device);
        Tensor weights = batch.NormWeights;
        double keep = 1 - _config.Model.Dropout;
        if (keep < 1)
            weights = weights * full_like(weights, keep).bernoulli(generator) / keep;
        phases?.Mark("upload");

        var (mean, logVariance) = model.Encode(batch.ItemIndices, batch.BagOffsets, weights);
        Tensor latent = mean;
        Tensor? kl = null;
        if (logVariance is not null)
        {
            Tensor noise = randn(mean.shape, device: device, generator: generator);
            latent = mean + noise * (0.5 * logVariance).exp();
            kl = MultVaeObjective.KlDivergence(mean, logVariance);
        }
        phases?.Mark("encode");
        Tensor logits = model.FusedKernels is null ? model.Decode(latent) : model.DecodePadded(latent);
        phases?.Mark("decode");
        Tensor loss = model.FusedKernels is { } kernels
            ? MultinomialLikelihood.NegativeLogLikelihood(kernels, logits, model.ItemCount, batch)
            : MultVaeObjective.NegativeLogLikelihood(logits, batch);
        if (kl is not null)
            loss = loss + klWeight * kl;
        loss = loss * ((double)pass.Users / batchSize);
        phases?.Mark("likelihood");
        return loss;
    }

    /// <summary>
    /// One random stream per replica and epoch, so that a resumed run draws what the first one would have.
    /// On the CPU that is a fresh generator. TorchSharp's generators are CPU-only, so on CUDA the
    /// device's default generator is reseeded instead and null returned: the ops then draw from it.
    /// </summary>
    private Generator? EpochRandomStream(int replica, int epoch, Device device)
    {
        ulong seed = unchecked((ulong)_config.Seed * 1_000_003UL + (ulong)epoch + (ulong)replica * 7_777_777UL);
        if (device.type != DeviceType.CUDA) return new Generator(seed, device);
        // cuda.manual_seed seeds the current device's generator.
        if (!CudaRuntime.SetDevice(Math.Max(device.index, 0)) && device.index > 0)
            throw new DeviceUnavailableException(device.ToString(), "the CUDA runtime library could not be loaded to select the device");
        cuda.manual_seed(unchecked((long)seed));
        return null;
    }

    /// <summary>
    /// Gives each replica the fused kernels of its device when the config and the device allow and the
    /// kernels pass their <see cref="KernelSelfTest"/> there.
    /// </summary>
    private string UseFusedKernels(VaeConfig config)
    {
        if (Device.type != DeviceType.CUDA || !config.Training.FusedKernels) return "libtorch";
        try
        {
            foreach (var replica in _replicas)
            {
                var kernels = CudaKernels.For(ParameterDevice(replica));
                KernelSelfTest.Run(kernels, ParameterDevice(replica), replica.ComputeType);
                replica.FusedKernels = kernels;
            }
            return $"fused ({CudaKernels.For(ParameterDevice(_replicas[0])).Build})";
        }
        catch (InvalidOperationException e)
        {
            foreach (var replica in _replicas) replica.FusedKernels = null;
            return $"libtorch ({e.Message})";
        }
    }

    private static Device ParameterDevice(MultVae model) => model.parameters().First().device;

    /// <summary>The devices of the replicas: the configured one, or cuda:0..N-1 / N × cpu for gpus: N.</summary>
    private static IReadOnlyList<Device> ReplicaDevices(VaeConfig config, Device device)
    {
        if (config.Gpus == 1) return [device];
        if (device.type == DeviceType.CPU) return [.. Enumerable.Repeat(device, config.Gpus)];
        if (cuda.device_count() < config.Gpus)
            throw new DeviceUnavailableException(config.Device, $"gpus: {config.Gpus} was asked for but only {cuda.device_count()} CUDA device(s) are present");
        return [.. Enumerable.Range(0, config.Gpus).Select(index => new Device(DeviceType.CUDA, index))];
    }

    private static void CopyWeights(MultVae from, MultVae to)
    {
        using var noGrad = no_grad();
        var source = from.state_dict();
        foreach (var (name, value) in to.state_dict())
            value.copy_(source[name]);
    }

    /// <summary>A deterministic shuffle of 0..count-1 for one epoch (Fisher-Yates, seeded by seed and epoch).</summary>
    internal static int[] ShuffledRows(int count, int seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(unchecked(seed * 7919 + epoch) & int.MaxValue).Shuffle(order);
        return order;
    }

    /// <summary>
    /// Refuses, with the reason, a resumption of <paramref name="state"/> (a checkpoint's header) with other
    /// settings than the epoch count, other prepared data, or another catalogue size. Reads nothing else, so
    /// it runs before any weights are loaded or any file of the run is written.
    /// </summary>
    /// <exception cref="ResumeMismatchException">The checkpoint does not fit.</exception>
    public static void CheckResume(string checkpointPath, Checkpoint state, VaeConfig config, PreparedDataset data)
    {
        if (state.ConfigHash != ResumeKey(config))
        {
            var changes = state.Settings is string before ? ConfigDiff.Changes(before, ResumeSettings(config)) : [];
            string what = changes.Count > 0 ? string.Join("; ", changes) : "the settings differ";
            throw new ResumeMismatchException(checkpointPath, $"it was written with other settings ({what}); only training.epochs and export.precision may change when resuming");
        }
        if (state.DataHash is string hash && hash != data.DataHash)
            throw new ResumeMismatchException(checkpointPath, $"it was trained on other data (data hash {hash[..Math.Min(12, hash.Length)]}..., now {data.DataHash[..Math.Min(12, data.DataHash.Length)]}...): the data set or its files changed");
        if (state.ItemCount is int items && items != data.ItemCount)
            throw new ResumeMismatchException(checkpointPath, $"its model has {items} items, the data now has {data.ItemCount}");
    }

    /// <summary>
    /// Settings a resumed run must share with its checkpoint (everything but the epoch count and the export
    /// settings, which change only the ONNX files written at the end), as YAML.
    /// </summary>
    private static string ResumeSettings(VaeConfig config) =>
        ConfigWriter.ToYamlWithoutExport(config with { SourcePath = null, Training = config.Training with { Epochs = 1 } });

    /// <summary>The hash of <see cref="ResumeSettings"/>.</summary>
    internal static string ResumeKey(VaeConfig config) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ResumeSettings(config))));

    // Kept in host memory: on a GPU a second copy of a large catalogue's weights may not fit.
    private Dictionary<string, Tensor> CopyWeights() =>
        Model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().to(DeviceType.CPU, copy: true));

    private void LoadWeights(Dictionary<string, Tensor> weights)
    {
        using var noGrad = no_grad();
        foreach (var (name, value) in Model.state_dict())
            value.copy_(weights[name]);
    }

    private void SaveWeights(string path, Dictionary<string, Tensor> weights, int epoch)
    {
        // Swap the best weights in, save, and swap the current ones back.
        var current = CopyWeights();
        LoadWeights(weights);
        Checkpoint.SaveWeights(path, Model, epoch);
        LoadWeights(current);
        DisposeAll(current);
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null) return;
        foreach (var tensor in tensors.Values) tensor.Dispose();
    }

    public void Dispose()
    {
        _allReduce?.Dispose();
        foreach (var scaler in _lossScalers) scaler.Dispose();
        foreach (var adam in _adamSteps) adam?.Dispose();
        _phases.Dispose();
        _validationPhases.Dispose();
        _validationBatches?.Dispose();
        foreach (var optimizer in _optimizers) optimizer.Dispose();
        foreach (var replica in _replicas) replica.Dispose();
    }
}
