using VaeToolkit.Configuration;
using VaeToolkit.Training.Kernels;
using VaeToolkit.Training.Parallel;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Model;

/// <summary>
/// The mechanics of one Mult-VAE optimizer step over a <see cref="ReplicaGroup"/>: gradients cleared; each
/// replica's passes over its shard, their losses (<see cref="MultVaePassLoss"/>) scaled in fp16 and backward,
/// so that the passes accumulate the shard's gradient; the L2 penalty's gradient added once; the all-reduce;
/// every replica's Adam step (<see cref="AdamStepChoice"/>), which fp16's loss scaler skips on overflow.
/// </summary>
internal sealed class MultVaeStep : IDisposable
{
    private readonly ReplicaGroup _group;
    private readonly double _dropout;
    private readonly double _lam;
    private readonly List<DynamicLossScaler> _lossScalers = []; // fp16: one per replica, each on its device
    private readonly AdamStepChoice _adam;

    public MultVaeStep(ReplicaGroup group, VaeConfig config)
    {
        _group = group;
        _dropout = config.Model.Dropout;
        _lam = config.Training.Lam;
        // Every replica sees the same summed gradients, so their scalers move in step without talking.
        if (config.Precision == Precisions.Fp16)
            _lossScalers.AddRange(group.Replicas.Select(replica => new DynamicLossScaler(ReplicaGroup.DeviceOf(replica))));
        _adam = new AdamStepChoice(group.Replicas, group.Optimizers, lossScaled: _lossScalers.Count > 0);
    }

    /// <summary>Every replica's fp16 loss scaler (empty unless fp16).</summary>
    public IReadOnlyList<DynamicLossScaler> LossScalers => _lossScalers;

    /// <summary>Chooses the Adam steps from the optimizers' state as it is now: after a checkpoint is loaded, before the first step.</summary>
    public void StartAdam() => _adam.Start();

    /// <summary>Writes the Adam step counts back into the optimizers' state (before a checkpoint is saved, and at the end).</summary>
    public void WriteStepCounts() => _adam.WriteStepCounts();

    /// <summary>
    /// One step on a batch given as each replica's passes (<paramref name="shards"/>); adds each replica's
    /// loss into <paramref name="lossSums"/>[r] (the penalty into the first), drawing from the replica's
    /// <paramref name="generators"/>; marks "batch", the pass phases of the first replica, "backward" and "update".
    /// </summary>
    public void Run(HostBatch[][] shards, double klWeight, IReadOnlyList<Generator?> generators, IReadOnlyList<Tensor> lossSums, PhaseTimer phases)
    {
        int batchSize = shards.Sum(passes => passes.Sum(pass => pass.Users));
        _group.ClearGradients();
        phases.Mark("batch");
        _group.ForEach(r =>
        {
            // Passes of one shard accumulate their gradients: together they are the shard's gradient.
            var timer = r == 0 ? phases : null; // the first replica is timed
            foreach (var pass in shards[r])
            {
                using var scope = NewDisposeScope();
                Tensor loss = MultVaePassLoss.Of(_group.Replicas[r], _dropout, pass, batchSize, klWeight, generators[r], timer);
                (_lossScalers.Count > 0 ? _lossScalers[r].ScaleLoss(loss) : loss).backward();
                lossSums[r].add_(loss.detach());
                timer?.Mark("backward");
            }
        });
        if (_lam > 0)
        {
            // The penalty belongs to the batch, not to a user: the first replica adds it once (the
            // all-reduce shares it), its gradient straight into the gradients.
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var model = _group.First;
            if (_lossScalers.Count > 0)
                _lossScalers[0].AddL2PenaltyGradient(model.WeightMatrices, _lam);
            else
                MultVaeObjective.AddL2PenaltyGradient(model.WeightMatrices, _lam);
            lossSums[0].add_(MultVaeObjective.L2Penalty(model.WeightMatrices, _lam));
        }
        _group.AllReduceGradients();
        _group.ForEach(r =>
        {
            using var overflow = _lossScalers.Count > 0 ? _lossScalers[r].UnscaleAndUpdate(_group.Replicas[r].parameters()) : null;
            _adam.Step(r, overflow);
        });
        phases.Mark("update");
    }

    public void Dispose()
    {
        foreach (var scaler in _lossScalers) scaler.Dispose();
        _adam.Dispose();
    }
}
