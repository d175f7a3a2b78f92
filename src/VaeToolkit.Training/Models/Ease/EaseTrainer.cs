using System.Diagnostics;
using System.Globalization;
using VaeToolkit.Configuration;
using VaeToolkit.Data;
using static TorchSharp.torch;

namespace VaeToolkit.Training.Models.Ease;

/// <summary>
/// Fits EASE (<see cref="EaseSolver"/>) on the training users: λ from <c>model.ease.lambda</c>, or each value of
/// <c>model.ease.lambda_grid</c> tried in turn and the best kept by validation NDCG@100 (each try is one entry of
/// the run's history, its λ under <see cref="EpochRecord.Settings"/>). There are no epochs and no checkpoints:
/// resuming fits again. Refuses, before any work, a catalogue whose matrices do not fit the device's memory or
/// whose graph would pass ONNX's 2 GB limit.
/// </summary>
public sealed class EaseTrainer : IModelTrainer
{
    private readonly VaeConfig _config;
    private readonly int _itemCount;
    private Tensor? _best; // float64 B of the best λ, on the device
    private double? _bestLambda;

    public EaseTrainer(VaeConfig config, int itemCount)
    {
        _config = config;
        _itemCount = itemCount;
        Device = TorchDevices.ForTraining(config);
        EaseMemory.Check(itemCount, Device);
        EaseExporter.CheckSize(itemCount, config.Export.Precision);
    }

    public Device Device { get; }

    public string DeviceName => DeviceDescription.Describe(Device);

    public string? Warning => null;

    /// <summary>The λ values to try: the configured one, or the grid.</summary>
    public IReadOnlyList<double> Candidates
    {
        get
        {
            var ease = EaseConfig.Of(_config);
            return ease.Lambda is double lambda ? [lambda] : ease.LambdaGrid;
        }
    }

    public ModelShape Shape => new(null, null, _bestLambda is double lambda ? new Dictionary<string, double> { ["lambda"] = lambda } : null);

    public TrainingOutcome Fit(PreparedDataset data, string? checkpointFolder, bool resume, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var gram = EaseSolver.Gram(data.Train, data.Train.RowCount, Device, cancellationToken);
        double gramSeconds = watch.Elapsed.TotalSeconds;

        var history = new List<EpochRecord>();
        var candidates = Candidates;
        var (best, bestIndex, bestNdcg) = EaseSolver.SelectLambda(gram, candidates, data.Validation, _config.Evaluation.BatchSize, (c, ndcg, solveSeconds, validationSeconds) =>
        {
            // The Gram matrix is part of the first candidate's fit.
            var record = new EpochRecord(c + 1, 0, 0, solveSeconds + (c == 0 ? gramSeconds : 0), data.Train.RowCount, ndcg, validationSeconds, data.Validation.UsersWithTargets)
            {
                Settings = new Dictionary<string, double> { ["lambda"] = candidates[c] },
            };
            history.Add(record);
            progress?.Report(new TrainingProgress(c + 1, candidates.Count, 1, 1, record));
        }, cancellationToken);
        _best?.Dispose();
        (_best, _bestLambda) = (best, candidates[bestIndex]);
        return new TrainingOutcome(history, bestIndex + 1, bestNdcg, Resumed: false)
        {
            Stop = new TrainingStop(TrainingStop.Completed, candidates.Count, $"tried every λ candidate ({candidates.Count})"),
        };
    }

    public void Export(string modelDirectory, IReadOnlyDictionary<string, string> metadata, string precision)
    {
        if (_best is null) throw new InvalidOperationException("EASE has not been fitted: call Fit first");
        var withLambda = new Dictionary<string, string>(metadata) { ["lambda"] = _bestLambda!.Value.ToString("R", CultureInfo.InvariantCulture) };
        EaseExporter.Export(_best, modelDirectory, withLambda, precision);
    }

    public void Dispose() => _best?.Dispose();
}
