using System.Runtime.ExceptionServices;
using TorchSharp;
using TorchSharp.Modules;
using VaeToolkit.Configuration;
using VaeToolkit.Training.Model;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Parallel;

/// <summary>
/// The replicas of a data-parallel Mult-VAE (one unless <c>gpus: N</c>), each on its device with its own
/// Adam, all starting from the first one's weights; the all-reduce that sums their gradients; and
/// <see cref="ForEach(Action{int})"/>, which runs work for every replica on a thread of its own. Its static
/// parts (<see cref="Devices"/>, <see cref="AllReduceFor"/>, <see cref="ForEach(IReadOnlyList{Device}, Action{int})"/>,
/// <see cref="CopyWeights"/>) serve RecVAE's replicas too (<c>RecVaeStep</c>).
/// </summary>
internal sealed class ReplicaGroup : IDisposable
{
    private readonly List<MultVae> _replicas = [];
    private readonly List<Adam> _optimizers = [];
    private readonly IGradientAllReduce? _allReduce;
    private readonly Device _device;
    private readonly List<Device> _devices = []; // each replica's, in order

    /// <summary>Builds the replicas on <see cref="Devices"/> (the random initialisation is the first one's).</summary>
    public ReplicaGroup(VaeConfig config, Device device, int itemCount, ScalarType computeType)
    {
        _device = device;
        foreach (var replicaDevice in Devices(config, device))
        {
            var replica = new MultVae(itemCount, config.Model) { ComputeType = computeType }.to(replicaDevice);
            if (_replicas.Count > 0) CopyWeights(_replicas[0], replica);
            _replicas.Add(replica);
            _devices.Add(DeviceOf(replica));
            _optimizers.Add(optim.Adam(replica.parameters(), config.Training.LearningRate, config.Training.Beta1, config.Training.Beta2));
        }
        _allReduce = AllReduceFor(device, _replicas.Count);
    }

    /// <summary>The all-reduce of <paramref name="count"/> replicas of the training device's kind: NCCL on CUDA, in-process otherwise; null for one replica.</summary>
    public static IGradientAllReduce? AllReduceFor(Device device, int count) =>
        count <= 1 ? null
        : device.type == DeviceType.CUDA ? new NcclAllReduce([.. Enumerable.Range(0, count)])
        : new InProcessAllReduce();

    /// <summary>Every replica's model, in device order.</summary>
    public IReadOnlyList<MultVae> Replicas => _replicas;

    /// <summary>Every replica's Adam, in the same order.</summary>
    public IReadOnlyList<Adam> Optimizers => _optimizers;

    public int Count => _replicas.Count;

    /// <summary>The first replica: the model whose weights are validated, checkpointed and exported.</summary>
    public MultVae First => _replicas[0];

    /// <summary>
    /// Runs <paramref name="work"/> for every replica. With several, each gets a thread of its own, so
    /// that one host thread does not queue N devices' work in turn: at 8 GPUs of a few milliseconds a
    /// step, one thread would set the pace. The replicas share nothing until the all-reduce.
    /// </summary>
    public void ForEach(Action<int> work) => ForEach(_devices, work);

    /// <summary>
    /// <see cref="ForEach(Action{int})"/> for any model's replicas on <paramref name="devices"/> (one per
    /// replica): RecVAE's replicas use it too.
    /// </summary>
    public static void ForEach(IReadOnlyList<Device> devices, Action<int> work)
    {
        if (devices.Count == 1)
        {
            work(0);
            return;
        }
        try
        {
            System.Threading.Tasks.Parallel.For(0, devices.Count, new ParallelOptions { MaxDegreeOfParallelism = devices.Count }, r =>
            {
                var device = devices[r];
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
    /// On CUDA the gradients are set to none, as PyTorch does by default: the first backward pass then
    /// hands its gradients over instead of adding them to zeros. On the CPU they are zeroed in place
    /// (TorchSharp's zero_grad): there libtorch allocates with malloc, and fresh buffers of this size
    /// every step cost page faults.
    /// </summary>
    public void ClearGradients()
    {
        if (_device.type != DeviceType.CUDA)
        {
            foreach (var optimizer in _optimizers) optimizer.zero_grad();
            return;
        }
        foreach (var parameter in _replicas.SelectMany(replica => replica.parameters())) parameter.grad = null;
    }

    /// <summary>Sums the replicas' gradients into each of them (nothing to do for one replica).</summary>
    public void AllReduceGradients() =>
        _allReduce?.AllReduceSum([.. _replicas.Select(replica => (IReadOnlyList<Tensor>)[.. replica.parameters().Select(p => p.grad!)])]);

    /// <summary>The device a model's parameters are on.</summary>
    public static Device DeviceOf(nn.Module model) => model.parameters().First().device;

    /// <summary>The devices of the replicas: the configured one, or cuda:0..N-1 / N × cpu for gpus: N.</summary>
    public static IReadOnlyList<Device> Devices(VaeConfig config, Device device)
    {
        if (config.Gpus == 1) return [device];
        if (device.type == DeviceType.CPU) return [.. Enumerable.Repeat(device, config.Gpus)];
        if (cuda.device_count() < config.Gpus)
            throw new DeviceUnavailableException(config.Device, $"gpus: {config.Gpus} was asked for but only {cuda.device_count()} CUDA device(s) are present");
        return [.. Enumerable.Range(0, config.Gpus).Select(index => new Device(DeviceType.CUDA, index))];
    }

    /// <summary>Copies <paramref name="from"/>'s weights into <paramref name="to"/> (across devices).</summary>
    public static void CopyWeights(nn.Module from, nn.Module to)
    {
        using var noGrad = no_grad();
        var source = from.state_dict();
        foreach (var (name, value) in to.state_dict())
            value.copy_(source[name]);
    }

    public void Dispose()
    {
        _allReduce?.Dispose();
        foreach (var optimizer in _optimizers) optimizer.Dispose();
        foreach (var replica in _replicas) replica.Dispose();
    }
}
