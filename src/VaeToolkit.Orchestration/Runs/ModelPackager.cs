using VaeToolkit.Configuration;
using VaeToolkit.Data;
using VaeToolkit.Runs;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Orchestration.Runs;

/// <summary>
/// Writes a model directory: the ONNX graphs of the trained model plus everything serving and
/// evaluation need (model card, item table, known users' histories, the test split).
/// </summary>
public static class ModelPackager
{
    public static void Write(IModelTrainer model, PreparedDataset data, VaeConfig config, TrainingOutcome outcome, string modelDirectory)
    {
        var shape = model.Shape;
        var card = new ModelCard
        {
            ModelType = config.Model.Type,
            ItemCount = data.ItemCount,
            LatentDim = shape.LatentDim,
            EncoderDims = shape.EncoderDims,
            Hyperparameters = shape.Hyperparameters,
            TrainUsers = data.Train.RowCount,
            ValidationUsers = data.Validation.Count,
            Dataset = data.Name,
            DataHash = data.DataHash,
            CreatedUtc = DateTime.UtcNow,
            BestEpoch = outcome.BestEpoch,
            ValidationNdcgAt100 = outcome.BestValidationNdcg,
            ToolkitVersion = RuntimeVersions.Current().Toolkit,
            Precision = config.Export.Precision,
        };
        var metadata = new Dictionary<string, string>
        {
            ["model_type"] = card.ModelType,
            ["item_count"] = card.ItemCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["dataset"] = card.Dataset,
            ["data_hash"] = card.DataHash,
        };
        model.Export(modelDirectory, metadata, config.Export.Precision);
        var items = new ItemTable(data.ItemIds, data.Train.ColumnCounts(), data.ItemNames);
        var (histories, userIds) = KnownUsers(data);
        ModelBundle.Write(modelDirectory, card, items, histories, userIds, data.Test);
    }

    /// <summary>Every user the model knows, with all their positives: training users, then validation and test users.</summary>
    internal static (CsrMatrix Histories, string[] UserIds) KnownUsers(PreparedDataset data)
    {
        var rows = new List<IEnumerable<int>>();
        var ids = new List<string>();
        for (int u = 0; u < data.Train.RowCount; u++)
        {
            rows.Add(data.Train.Row(u).ToArray());
            ids.Add(data.TrainUserIds[u]);
        }
        foreach (var heldOut in new[] { data.Validation, data.Test })
        {
            for (int u = 0; u < heldOut.Count; u++)
            {
                rows.Add(heldOut.FoldIn.Row(u).ToArray().Concat(heldOut.Targets.Row(u).ToArray()));
                ids.Add(heldOut.UserIds[u]);
            }
        }
        return (CsrMatrix.FromRows(rows, data.ItemCount), ids.ToArray());
    }
}
