using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Orchestration.Benchmarks;

/// <summary>Benchmark mode: trains for the configured epochs without writing anything and reports speed.</summary>
public static class TrainingBenchmark
{
    public static BenchmarkReport Run(VaeConfig config, IProgress<TrainingProgress>? progress = null, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        if (!ModelRegistry.Find(config.Model.Type).Iterative)
            throw new ArgumentException($"benchmark mode times the epochs of a model trained by epochs; '{config.Model.Type}' is fitted in closed form (train it and read the run's timings instead)");
        log?.Report($"Preparing data set '{config.Data.Dataset}'");
        PreparedDataset data = DatasetLoader.Load(config, log, cancellationToken);
        config = config with { Training = config.Training with { EarlyStoppingPatience = null } }; // it times every configured epoch
        var (epochs, warmUp) = (config.Training.Epochs, config.Training.WarmUpEpochs);
        string measured = warmUp < epochs ? $"the last {epochs - warmUp} measured" : "too few for the warm-up: all measured";
        log?.Report($"Benchmarking {epochs} epoch{(epochs == 1 ? "" : "s")} ({measured}) on {config.Device} × {config.Gpus}, {config.Precision}");
        // Any model trained by epochs, through the same contract as a training run.
        using IModelTrainer trainer = ModelRegistry.Create(config, data.ItemCount);
        if (trainer.Warning is string warning) log?.Report(warning);
        var outcome = trainer.Fit(data, checkpointFolder: null, resume: false, progress, cancellationToken);
        string kernels = trainer is Trainer multVae ? multVae.Kernels : "libtorch";
        return BenchmarkReport.From(outcome.History, config.Training.WarmUpEpochs, data.Name, config.Device, trainer.DeviceName,
            config.Precision, kernels, config.Gpus, TorchSharp.torch.get_num_threads(), data.ItemCount, config.Training.BatchSize, outcome.BestValidationNdcg);
    }
}
