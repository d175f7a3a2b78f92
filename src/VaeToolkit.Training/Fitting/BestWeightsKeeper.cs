using TorchSharp;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Fitting;

/// <summary>
/// Keeps the best validation epoch's weights of <paramref name="model"/>: a copy in host memory while the
/// run goes on (on a GPU a second copy of a large catalogue's weights may not fit), written into the
/// checkpoint folder as <see cref="Checkpoint.BestWeightsName"/> before the checkpoint that names it
/// (<see cref="CheckpointFolder.Write"/>), older ones removed after, and loaded back into the model at the end.
/// </summary>
internal sealed class BestWeightsKeeper(nn.Module model) : IDisposable
{
    private Dictionary<string, Tensor>? _weights; // the best epoch's, when it ran in this session
    private bool _saved = true;                   // whether _weights are in the checkpoint folder

    /// <summary>The best epoch so far; 0 before any validation.</summary>
    public int Epoch { get; private set; }

    /// <summary>Its validation NDCG@100; -∞ before any validation.</summary>
    public double Ndcg { get; private set; } = double.NegativeInfinity;

    /// <summary>Continues from a checkpoint's best epoch, whose weights are in its folder.</summary>
    public void Resume(int epoch, double ndcg) => (Epoch, Ndcg) = (epoch, ndcg);

    /// <summary>Takes the model's current weights as the best when <paramref name="ndcg"/> beats the best so far.</summary>
    public bool Offer(int epoch, double ndcg)
    {
        if (!(ndcg > Ndcg)) return false;
        (Ndcg, Epoch) = (ndcg, epoch);
        DisposeAll(_weights);
        _weights = CopyWeights();
        _saved = false;
        return true;
    }

    /// <summary>Writes a best the folder does not hold yet (the checkpoint about to be written names it).</summary>
    public void SaveNew(string checkpointFolder)
    {
        if (_saved || _weights is null) return;
        // Swap the best weights in, save, and swap the current ones back.
        var current = CopyWeights();
        LoadWeights(_weights);
        Checkpoint.SaveWeights(Path.Combine(checkpointFolder, Checkpoint.BestWeightsName(Epoch)), model, Epoch);
        LoadWeights(current);
        DisposeAll(current);
        _saved = true;
    }

    /// <summary>Deletes the best weights of every epoch but the best (older bests, or one a killed run wrote ahead of its checkpoint).</summary>
    public void RemoveOthers(string checkpointFolder)
    {
        foreach (string file in Directory.EnumerateFiles(checkpointFolder, Checkpoint.BestWeightsName(0).Replace("0000", "*")))
            if (Path.GetFileName(file) != Checkpoint.BestWeightsName(Epoch)) File.Delete(file);
    }

    /// <summary>
    /// Loads the best weights into the model: the copy in memory, or, when the best epoch ran before this
    /// session (a run resumed after its last epoch), its file in <paramref name="checkpointFolder"/>.
    /// </summary>
    public void LoadBest(string? checkpointFolder)
    {
        if (_weights is not null)
            LoadWeights(_weights);
        else if (checkpointFolder is not null && Epoch > 0)
            Checkpoint.LoadWeights(Path.Combine(checkpointFolder, Checkpoint.BestWeightsName(Epoch)), model, Epoch);
    }

    private Dictionary<string, Tensor> CopyWeights() =>
        model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().to(DeviceType.CPU, copy: true));

    private void LoadWeights(Dictionary<string, Tensor> weights)
    {
        using var noGrad = no_grad();
        foreach (var (name, value) in model.state_dict())
            value.copy_(weights[name]);
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null) return;
        foreach (var tensor in tensors.Values) tensor.Dispose();
    }

    public void Dispose()
    {
        DisposeAll(_weights);
        _weights = null;
    }
}
