namespace VaeToolkit.Configuration;

/// <summary>Optimisation settings; the defaults are those of the reference Mult-VAE implementation.</summary>
public sealed record TrainingConfig
{
    public int Epochs { get; init; } = 200;

    /// <summary>Users per training batch.</summary>
    public int BatchSize { get; init; } = 10000;

    public double LearningRate { get; init; } = 0.001;

    /// <summary>Adam's decay rates of the gradient's first and second moments (NVIDIA's VAE-CF uses 0.9 and 0.9).</summary>
    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.999;

    /// <summary>The KL weight grows as min(anneal_cap, step / total_anneal_steps).</summary>
    public int TotalAnnealSteps { get; init; } = 200000;

    public double AnnealCap { get; init; } = 0.2;

    /// <summary>L2 penalty on the weight matrices (lam * sum of squares).</summary>
    public double Lam { get; init; } = 0.01;

    /// <summary>Validate (NDCG@100 on the validation users) every this many epochs; the best epoch wins.</summary>
    public int ValidationStep { get; init; } = 1;

    /// <summary>Write a resumable checkpoint every this many epochs (and after the last one).</summary>
    public int CheckpointStep { get; init; } = 1;

    /// <summary>
    /// Stop after this many validations in a row without an improvement (see <see cref="EarlyStoppingMinDelta"/>);
    /// the best epoch's weights are kept as always. Null: train every epoch.
    /// </summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>
    /// What counts as an improvement for early stopping: a validation NDCG@100 above the best so far by
    /// more than this (0: any rise).
    /// </summary>
    public double EarlyStoppingMinDelta { get; init; }

    /// <summary>Epochs left out of the benchmark averages.</summary>
    public int WarmUpEpochs { get; init; } = 2;

    /// <summary>
    /// Users per forward/backward pass; a larger batch share is split into passes whose gradients
    /// accumulate (same update, less memory). Null: as many as the GPU's free memory allows.
    /// </summary>
    public int? MaxUsersPerPass { get; init; }

    /// <summary>
    /// On CUDA, run the likelihood, the first encoder layer and the Adam step as the fused kernels
    /// compiled with NVRTC (the same maths in fewer passes over memory); where NVRTC is missing,
    /// libtorch's operators run instead and the benchmark report says why. Off by default until the
    /// kernels have been measured on a GPU (bench/NOTES.md).
    /// </summary>
    public bool FusedKernels { get; init; }

    /// <summary>CPU threads for TorchSharp; null leaves the library default.</summary>
    public int? Threads { get; init; }
}
