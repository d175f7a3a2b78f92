using System.Globalization;
using System.Text;
using static VaeToolkit.Configuration.YamlValues;

namespace VaeToolkit.Configuration;

/// <summary>Writes a config back as YAML that <see cref="ConfigLoader"/> reads to the same values.</summary>
public static class ConfigWriter
{
    public static string ToYaml(VaeConfig config) => Write(config, withExport: true);

    /// <summary>
    /// <see cref="ToYaml"/> without the <c>export</c> section: the settings the trained weights depend on,
    /// which a resumed run must share with its checkpoint. The text is what checkpoints written before the
    /// export section existed recorded, so they still resume.
    /// </summary>
    public static string ToYamlWithoutExport(VaeConfig config) => Write(config, withExport: false);

    private static string Write(VaeConfig config, bool withExport)
    {
        var d = config.Data;
        var s = d.Synthetic;
        var m = config.Model;
        var t = config.Training;
        var yaml = new StringBuilder();
        yaml.AppendLine("# Resolved configuration: every key with the value this run used.");
        yaml.AppendLine($"seed: {config.Seed}");
        yaml.AppendLine($"device: {config.Device}");
        yaml.AppendLine($"gpus: {config.Gpus}");
        yaml.AppendLine($"precision: {config.Precision}");
        yaml.AppendLine("data:");
        yaml.AppendLine($"  dataset: {d.Dataset}");
        yaml.AppendLine($"  data_dir: {Text(d.DataDir)}");
        yaml.AppendLine($"  path: {Text(d.Path)}");
        yaml.AppendLine($"  delimiter: {Text(d.Delimiter == "\t" ? "\\t" : d.Delimiter)}");
        yaml.AppendLine($"  header: {(d.Header ? "true" : "false")}");
        yaml.AppendLine($"  user_column: {Text(d.UserColumn)}");
        yaml.AppendLine($"  item_column: {Text(d.ItemColumn)}");
        yaml.AppendLine($"  rating_column: {Text(d.RatingColumn)}");
        yaml.AppendLine($"  timestamp_column: {Text(d.TimestampColumn)}");
        yaml.AppendLine($"  item_names: {Text(d.ItemNames)}");
        yaml.AppendLine($"  encoding: {Text(d.Encoding)}");
        yaml.AppendLine($"  positive_threshold: {Number(d.PositiveThreshold)}");
        yaml.AppendLine($"  min_items_per_user: {d.MinItemsPerUser}");
        yaml.AppendLine($"  heldout_users: {(d.HeldoutUsers is int heldout ? heldout.ToString(CultureInfo.InvariantCulture) : "null")}");
        yaml.AppendLine($"  target_fraction: {Number(d.TargetFraction)}");
        yaml.AppendLine($"  target_split: {Text(d.TargetSplit)}");
        yaml.AppendLine($"  min_plays: {d.MinPlays}");
        yaml.AppendLine($"  artist_key: {d.ArtistKey}");
        yaml.AppendLine("  synthetic:");
        yaml.AppendLine($"    users: {s.Users}");
        yaml.AppendLine($"    items: {s.Items}");
        yaml.AppendLine($"    tastes: {s.Tastes}");
        yaml.AppendLine($"    mean_items_per_user: {s.MeanItemsPerUser}");
        yaml.AppendLine($"    popularity_exponent: {Number(s.PopularityExponent)}");
        yaml.AppendLine($"    taste_strength: {Number(s.TasteStrength)}");
        yaml.AppendLine("model:");
        yaml.AppendLine($"  type: {m.Type}");
        yaml.AppendLine($"  encoder_dims: {List(m.EncoderDims)}");
        yaml.AppendLine($"  dropout: {Number(m.Dropout)}");
        // Written for its own type only: checkpoints hash this text, and those of the other types predate it.
        if (m.Settings is { } settings)
        {
            yaml.AppendLine($"  {m.Type}:");
            foreach (var (key, value) in settings.ToYaml()) yaml.AppendLine($"    {key}: {value}");
        }
        yaml.AppendLine("training:");
        yaml.AppendLine($"  epochs: {t.Epochs}");
        yaml.AppendLine($"  batch_size: {t.BatchSize}");
        yaml.AppendLine($"  learning_rate: {Number(t.LearningRate)}");
        yaml.AppendLine($"  beta1: {Number(t.Beta1)}");
        yaml.AppendLine($"  beta2: {Number(t.Beta2)}");
        yaml.AppendLine($"  total_anneal_steps: {t.TotalAnnealSteps}");
        yaml.AppendLine($"  anneal_cap: {Number(t.AnnealCap)}");
        yaml.AppendLine($"  lam: {Number(t.Lam)}");
        yaml.AppendLine($"  validation_step: {t.ValidationStep}");
        yaml.AppendLine($"  checkpoint_step: {t.CheckpointStep}");
        // Written only when set: checkpoints hash this text, and those written before early stopping existed must still resume.
        if (t.EarlyStoppingPatience is int patience) yaml.AppendLine($"  early_stopping_patience: {patience}");
        if (t.EarlyStoppingMinDelta != 0) yaml.AppendLine($"  early_stopping_min_delta: {Number(t.EarlyStoppingMinDelta)}");
        yaml.AppendLine($"  warm_up_epochs: {t.WarmUpEpochs}");
        yaml.AppendLine($"  max_users_per_pass: {(t.MaxUsersPerPass is int perPass ? perPass.ToString(CultureInfo.InvariantCulture) : "null")}");
        yaml.AppendLine($"  fused_kernels: {(t.FusedKernels ? "true" : "false")}");
        yaml.AppendLine($"  threads: {(t.Threads is int threads ? threads.ToString(CultureInfo.InvariantCulture) : "null")}");
        yaml.AppendLine("evaluation:");
        yaml.AppendLine($"  batch_size: {config.Evaluation.BatchSize}");
        // Without the export section (what a checkpoint shares) the metrics are left out too: they do not change the weights.
        if (withExport) yaml.AppendLine($"  metrics: [{string.Join(", ", config.Evaluation.Metrics.Select(m => m.Name))}]");
        if (withExport)
        {
            yaml.AppendLine("export:");
            yaml.AppendLine($"  precision: {config.Export.Precision}");
        }
        return yaml.ToString();
    }
}
