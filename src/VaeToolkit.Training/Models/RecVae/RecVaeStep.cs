using TorchSharp;
using TorchSharp.Modules;
using VaeToolkit.Data;
using VaeToolkit.Training.Kernels;
using VaeToolkit.Training.Model;
using VaeToolkit.Training.Parallel;
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
/// <para>
/// Data-parallel (<c>gpus: N</c>): one network, prior and pair of Adams per replica, all starting from the
/// same weights. Each batch is cut into the replicas' contiguous shards (<see cref="Shards"/>); each replica
/// evaluates its shard's loss weighted by its share of the batch, so that the all-reduced (summed)
/// gradients of the updated group are the whole batch's, and every replica takes the same Adam step and
/// refreshes its own prior. The random draws are the whole batch's on every replica (each has a generator
/// seeded alike, draws the batch's dropout mask and noise and takes its shard's slice: a few numbers per
/// user), so N replicas do the same maths as one. fp16: the loss is scaled by a
/// <see cref="DynamicLossScaler"/> per replica, the gradients unscaled after the all-reduce, and a step
/// whose gradients overflow is skipped on the device (<see cref="DeviceAdam"/>).
/// </para>
/// </summary>
public sealed class RecVaeStep : IDisposable
{
    private readonly IReadOnlyList<RecVaeNetwork> _networks;
    private readonly IReadOnlyList<CompositePrior> _priors;
    private readonly RecVaeSettings _settings;
    private readonly List<Adam> _encoderOptimizers = [];
    private readonly List<Adam> _decoderOptimizers = [];
    private readonly List<DynamicLossScaler> _lossScalers = []; // fp16: one per replica, each on its device
    private readonly List<DeviceAdam> _encoderSteps = [], _decoderSteps = []; // fp16: the steps an overflow skips
    private readonly IReadOnlyList<Device> _devices;
    private readonly IGradientAllReduce? _allReduce;

    public RecVaeStep(RecVaeNetwork network, CompositePrior prior, RecVaeSettings settings)
        : this([network], [prior], settings, lossScaled: false)
    {
    }

    /// <summary>
    /// The step over replicas (<paramref name="networks"/>[r] with <paramref name="priors"/>[r], on their
    /// devices, already holding the same weights); with <paramref name="lossScaled"/>, fp16's loss scaling.
    /// </summary>
    internal RecVaeStep(IReadOnlyList<RecVaeNetwork> networks, IReadOnlyList<CompositePrior> priors, RecVaeSettings settings, bool lossScaled)
    {
        settings.Validate();
        if (networks.Count == 0 || networks.Count != priors.Count)
            throw new ArgumentException("one prior per network, at least one of each", nameof(priors));
        _networks = networks;
        _priors = priors;
        _settings = settings;
        _devices = [.. networks.Select(network => network.Encoder.ItemWeight.device)];
        foreach (var network in networks)
        {
            // run.py: optim.Adam(encoder_params, lr=args.lr) and optim.Adam(decoder_params, lr=args.lr).
            _encoderOptimizers.Add(optim.Adam(network.EncoderParameters, settings.LearningRate, settings.AdamBeta1, settings.AdamBeta2));
            _decoderOptimizers.Add(optim.Adam(network.DecoderParameters, settings.LearningRate, settings.AdamBeta1, settings.AdamBeta2));
        }
        // Every replica sees the same summed gradients, so their scalers move in step without talking.
        if (lossScaled)
            _lossScalers.AddRange(_devices.Select(device => new DynamicLossScaler(device)));
        _allReduce = ReplicaGroup.AllReduceFor(_devices[0], networks.Count);
        StartAdam();
    }

    /// <summary>The first replica's encoder Adam.</summary>
    public Adam EncoderOptimizer => _encoderOptimizers[0];

    /// <summary>The first replica's decoder Adam.</summary>
    public Adam DecoderOptimizer => _decoderOptimizers[0];

    /// <summary>Every replica's encoder Adam, in replica order.</summary>
    public IReadOnlyList<Adam> EncoderOptimizers => _encoderOptimizers;

    /// <summary>Every replica's decoder Adam, in replica order.</summary>
    public IReadOnlyList<Adam> DecoderOptimizers => _decoderOptimizers;

    /// <summary>Every replica's fp16 loss scaler (empty unless fp16).</summary>
    public IReadOnlyList<DynamicLossScaler> LossScalers => _lossScalers;

    public int ReplicaCount => _networks.Count;

    /// <summary>
    /// fp16: builds the device-side Adam steps from the optimizers' state as it is now (fresh, or loaded from a
    /// checkpoint: call it after loading). Without loss scaling TorchSharp's own step runs and this does nothing.
    /// </summary>
    public void StartAdam()
    {
        DisposeAdamSteps();
        if (_lossScalers.Count == 0) return;
        for (int r = 0; r < _networks.Count; r++)
        {
            AdamStepKernel kernel = _devices[r].type == DeviceType.CPU ? CpuAdam.Step : DeviceAdam.OperatorStep;
            _encoderSteps.Add(new DeviceAdam(_encoderOptimizers[r], kernel));
            _decoderSteps.Add(new DeviceAdam(_decoderOptimizers[r], kernel));
        }
    }

    /// <summary>fp16: writes the device-side step counts back into the optimizers' state (before a checkpoint is saved).</summary>
    public void WriteStepCounts()
    {
        foreach (var adam in _encoderSteps.Concat(_decoderSteps)) adam.WriteStepCount();
    }

    /// <summary>
    /// One epoch: the encoder passes, the prior's refresh, the decoder passes. <paramref name="passBatches"/>
    /// is called once per pass for that pass's batches (run.py reshuffles the users for every pass:
    /// <c>generate(..., shuffle=True)</c> inside each <c>run</c> epoch); see <see cref="ShuffledBatches"/>.
    /// </summary>
    public RecVaeEpochResult RunEpoch(Func<IEnumerable<HostBatch>> passBatches, Generator? generator = null) =>
        RunEpoch(() => passBatches().Select(batch => new[] { batch }), [generator]);

    /// <summary>
    /// <see cref="RunEpoch(Func{IEnumerable{HostBatch}}, Generator?)"/> over the replicas: each batch given as
    /// the replicas' shards (<see cref="Shards"/>), each replica drawing from its generator in
    /// <paramref name="generators"/> (seeded alike, so that they draw the same numbers).
    /// </summary>
    public RecVaeEpochResult RunEpoch(Func<IEnumerable<HostBatch[]>> passShards, IReadOnlyList<Generator?> generators)
    {
        var encoderLosses = new List<double>();
        for (int pass = 0; pass < _settings.EncoderEpochs; pass++)
            encoderLosses.Add(RunPass(passShards(), encoder: true, generators));
        // run.py calls update_prior between the phases; the decoder passes do not change the encoder, so
        // the old encoder the next epoch's encoder passes see is the same as if it were refreshed at the end.
        RefreshPrior();
        var decoderLosses = new List<double>();
        for (int pass = 0; pass < _settings.DecoderEpochs; pass++)
            decoderLosses.Add(RunPass(passShards(), encoder: false, generators));
        return new RecVaeEpochResult(encoderLosses, decoderLosses);
    }

    /// <summary>One pass over <paramref name="batches"/> updating only the encoder; the mean negative ELBO.</summary>
    public double RunEncoderPass(IEnumerable<HostBatch> batches, Generator? generator = null) =>
        RunPass(batches.Select(batch => new[] { batch }), encoder: true, [generator]);

    /// <summary>One pass over <paramref name="batches"/> updating only the decoder; the mean negative ELBO.</summary>
    public double RunDecoderPass(IEnumerable<HostBatch> batches, Generator? generator = null) =>
        RunPass(batches.Select(batch => new[] { batch }), encoder: false, [generator]);

    /// <summary>Copies every replica's encoder into its prior's old encoder (model.py <c>VAE.update_prior</c>).</summary>
    public void RefreshPrior()
    {
        for (int r = 0; r < _networks.Count; r++) _priors[r].UpdateFrom(_networks[r]);
    }

    private double RunPass(IEnumerable<HostBatch[]> batches, bool encoder, IReadOnlyList<Generator?> generators)
    {
        if (generators.Count != _networks.Count)
            throw new ArgumentException($"one generator per replica ({_networks.Count}), not {generators.Count}", nameof(generators));
        int replicas = _networks.Count;
        double dropout = encoder ? _settings.Dropout : _settings.DecoderDropout;
        var optimizers = encoder ? _encoderOptimizers : _decoderOptimizers;
        var deviceSteps = encoder ? _encoderSteps : _decoderSteps;
        var updated = _networks.Select(network => (encoder ? network.EncoderParameters : network.DecoderParameters).ToList()).ToList();
        var fixedOnes = _networks.SelectMany(network => encoder ? network.DecoderParameters : network.EncoderParameters).ToList();
        foreach (var network in _networks) network.train();
        foreach (var prior in _priors) prior.train();
        foreach (var parameter in fixedOnes) parameter.requires_grad = false;
        var lossSums = _devices.Select(device => zeros(1, device: device)).ToList();
        try
        {
            int count = 0;
            foreach (var shards in batches)
            {
                if (shards.Length != replicas)
                    throw new ArgumentException($"a batch must come as {replicas} shard(s), not {shards.Length}", nameof(batches));
                int users = shards.Sum(shard => shard.Users);
                int entries = shards.Sum(shard => shard.ItemIndices.Length);
                foreach (var optimizer in optimizers) optimizer.zero_grad();
                ReplicaGroup.ForEach(_devices, r =>
                {
                    using var scope = NewDisposeScope();
                    int userOffset = shards.Take(r).Sum(shard => shard.Users);
                    int entryOffset = shards.Take(r).Sum(shard => shard.ItemIndices.Length);
                    Tensor? loss = ShardLoss(r, shards[r], users, entries, userOffset, entryOffset, dropout, generators[r]);
                    if (loss is null)
                    {
                        // An empty shard (a batch smaller than the replicas) adds nothing to the sum.
                        foreach (var parameter in updated[r]) parameter.grad ??= zeros_like(parameter);
                        return;
                    }
                    (_lossScalers.Count > 0 ? _lossScalers[r].ScaleLoss(loss) : loss).backward();
                    lossSums[r].add_(loss.detach());
                });
                _allReduce?.AllReduceSum([.. updated.Select(parameters => (IReadOnlyList<Tensor>)[.. parameters.Select(p => p.grad!)])]);
                ReplicaGroup.ForEach(_devices, r =>
                {
                    if (_lossScalers.Count == 0)
                    {
                        optimizers[r].step();
                        return;
                    }
                    using var overflow = _lossScalers[r].UnscaleAndUpdate(updated[r]);
                    deviceSteps[r].Step(overflow);
                });
                count++;
            }
            return count == 0 ? double.NaN : lossSums.Sum(sum => (double)sum.item<float>()) / count;
        }
        finally
        {
            foreach (var sum in lossSums) sum.Dispose();
            foreach (var parameter in fixedOnes) parameter.requires_grad = true;
        }
    }

    /// <summary>
    /// Replica <paramref name="r"/>'s part of a batch of <paramref name="users"/> users and <paramref name="entries"/>
    /// history entries: its shard's negative ELBO weighted by the shard's share of the batch (null for an empty
    /// shard). The dropout mask and the noise are drawn for the whole batch, in the order a single device draws
    /// them, and the shard's slice taken, so that every replica's generator stays in step with one device's.
    /// </summary>
    private Tensor? ShardLoss(int r, HostBatch shard, int users, int entries, int userOffset, int entryOffset, double dropout, Generator? generator)
    {
        var network = _networks[r];
        var device = _devices[r];
        using var batch = HistoryBatch.Upload(shard, device);
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "must be in [0, 1)");
        Tensor? mask = dropout == 0 ? null : full([entries], 1 - dropout, dtype: float32, device: device).bernoulli(generator);
        Tensor noise = randn([users, network.LatentDim], device: device, generator: generator);
        if (shard.Users == 0) return null;
        bool whole = shard.Users == users;
        if (!whole)
        {
            noise = noise.narrow(0, userOffset, shard.Users);
            mask = mask?.narrow(0, entryOffset, shard.ItemIndices.Length);
        }
        Tensor entryWeights = mask is null ? batch.NormWeights.alias() : batch.NormWeights * mask / (1 - dropout);
        Tensor klWeights = RecVaeObjective.KlWeights(batch, _settings.Gamma, _settings.Beta);
        Tensor loss = RecVaeObjective.Evaluate(network, _priors[r], batch, entryWeights, noise, klWeights).NegativeElbo;
        return whole ? loss : loss * ((double)shard.Users / users);
    }

    /// <summary>
    /// <see cref="ShuffledBatches"/> with each batch cut into <paramref name="replicas"/> contiguous shards,
    /// shard r the users [n·r/R, n·(r+1)/R) of the batch (as <c>BatchPrefetcher</c> cuts Mult-VAE's); one
    /// replica gets the batches of <see cref="ShuffledBatches"/> unchanged.
    /// </summary>
    public static IEnumerable<HostBatch[]> ShuffledShards(CsrMatrix matrix, int batchSize, Random random, int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        var order = Enumerable.Range(0, matrix.RowCount).ToArray();
        random.Shuffle(order);
        for (int start = 0; start < order.Length; start += batchSize)
            yield return Shards(matrix, order.AsSpan(start, Math.Min(batchSize, order.Length - start)), replicas);
    }

    /// <summary>The histories of <paramref name="rows"/> cut into <paramref name="replicas"/> contiguous shards.</summary>
    public static HostBatch[] Shards(CsrMatrix matrix, ReadOnlySpan<int> rows, int replicas)
    {
        var shards = new HostBatch[replicas];
        for (int r = 0; r < replicas; r++)
        {
            int from = (int)((long)rows.Length * r / replicas);
            int to = (int)((long)rows.Length * (r + 1) / replicas);
            shards[r] = HostBatch.Build(matrix, rows[from..to]);
        }
        return shards;
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

    private void DisposeAdamSteps()
    {
        foreach (var adam in _encoderSteps.Concat(_decoderSteps)) adam.Dispose();
        _encoderSteps.Clear();
        _decoderSteps.Clear();
    }

    public void Dispose()
    {
        DisposeAdamSteps();
        _allReduce?.Dispose();
        foreach (var scaler in _lossScalers) scaler.Dispose();
        foreach (var optimizer in _encoderOptimizers.Concat(_decoderOptimizers)) optimizer.Dispose();
    }
}
