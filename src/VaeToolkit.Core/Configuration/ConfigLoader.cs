using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using VaeToolkit.Metrics;

namespace VaeToolkit.Configuration;

/// <summary>
/// Reads a YAML experiment file into an immutable <see cref="VaeConfig"/>. Unknown or duplicate keys,
/// wrong types and out-of-range values are errors that name the file, line and column.
/// </summary>
public static class ConfigLoader
{
    public const string DefaultName = "(built-in defaults)";

    /// <summary>Reads <paramref name="path"/>, then applies <c>section.key=value</c> overrides.</summary>
    public static VaeConfig Load(string path, IEnumerable<string>? overrides = null)
    {
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new ConfigException(ConfigErrorCodes.MissingFile, $"config file not found: {fullPath}", fullPath);
        return Parse(File.ReadAllText(fullPath), fullPath, overrides);
    }

    /// <summary>Parses YAML text; <paramref name="file"/> names it in errors and anchors relative paths.</summary>
    public static VaeConfig Parse(string yaml, string file, IEnumerable<string>? overrides = null)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            string reason = e.InnerException?.Message ?? e.Message;
            if (reason.Contains("same key", StringComparison.OrdinalIgnoreCase) || reason.Contains("duplicate", StringComparison.OrdinalIgnoreCase))
                throw new ConfigException(ConfigErrorCodes.DuplicateKey, $"duplicate key: {reason}", file, e.Start.Line, e.Start.Column, e);
            throw new ConfigException(ConfigErrorCodes.MalformedYaml, $"malformed YAML: {reason}", file, e.Start.Line, e.Start.Column, e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet fails this way, without a position, on some malformed input: a line break inside [600 200]
            // (InvalidOperationException), an alias right after a quoted scalar, 'a'*b (ArgumentException).
            throw new ConfigException(ConfigErrorCodes.MalformedYaml, $"malformed YAML: the YAML reader stopped ({e.Message})", file, inner: e);
        }

        YamlMappingNode root = stream.Documents.Count == 0 ? new YamlMappingNode() : stream.Documents[0].RootNode switch
        {
            YamlMappingNode mapping => mapping,
            YamlScalarNode { Value: null or "" } => new YamlMappingNode(),
            var other => throw new ConfigException(ConfigErrorCodes.WrongType, "the file must be a mapping of sections (data:, model:, training:, ...)", file, other.Start.Line, other.Start.Column),
        };
        var fromOverrides = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        foreach (string assignment in overrides ?? [])
            ApplyOverride(root, assignment, file, fromOverrides);
        return Read(new YamlSection(file, root, fromOverrides: fromOverrides), file);
    }

    /// <summary>
    /// The config to prepare one data set: a config file (or the defaults when there is none), then the
    /// overrides, then the data set name and its source file or folder when given.
    /// </summary>
    public static VaeConfig ForDataset(string? configFile, string? dataset, string? source, IEnumerable<string>? overrides = null)
    {
        var all = new List<string>(overrides ?? []);
        if (dataset is not null) all.Add($"data.dataset={dataset}");
        if (source is not null) all.Add($"data.path='{Path.GetFullPath(source).Replace("'", "''")}'");
        return configFile is null ? Parse("", DefaultName, all) : Load(configFile, all);
    }

    /// <summary>The default configuration: the built-in synthetic data set with reference hyperparameters.</summary>
    public static VaeConfig Defaults => Parse("", DefaultName);

    /// <summary>The full name of every value key the reader asks for, read off a pass over the defaults (see <see cref="ConfigSchema"/>).</summary>
    internal static IReadOnlyList<string> ReadKeys()
    {
        var keys = new List<string>();
        Read(new YamlSection(DefaultName, null, keysRead: keys), DefaultName);
        return keys;
    }

    private static VaeConfig Read(YamlSection root, string file)
    {
        var defaults = new VaeConfig();
        var config = new VaeConfig
        {
            SourcePath = file == DefaultName ? null : file,
            Seed = root.Int("seed", defaults.Seed, min: 0),
            Device = ReadDevice(root, defaults.Device),
            Gpus = root.Int("gpus", defaults.Gpus, min: 1, max: 64),
            Precision = root.String("precision", defaults.Precision, Precisions.All),
            Data = ReadData(root.Section("data")),
            Model = ReadModel(root.Section("model")),
            Training = ReadTraining(root.Section("training")),
            Evaluation = ReadEvaluation(root.Section("evaluation")),
            Export = ReadExport(root.Section("export")),
        };
        root.RejectUnknownKeys();
        if (config.Model.Type == ModelTypes.Ease && config.Export.Precision == ExportPrecisions.Int8)
            throw new ConfigException(ConfigErrorCodes.OutOfRange,
                "'export.precision: int8' quantises a network's output layer; EASE has none (its graph sums rows of its item-item matrix): use fp32, fp16 or bf16", file);
        if (config.Model.Type == ModelTypes.RecVae)
        {
            if (config.Export.Precision == ExportPrecisions.Int8)
                throw root.Section("export").ErrorAt("precision", ConfigErrorCodes.OutOfRange,
                    "'export.precision: int8' is not supported for RecVAE (its output layer reads the unbounded latent mean): use fp32, fp16 or bf16");
        }
        return config;
    }

    private static string ReadDevice(YamlSection section, string fallback) =>
        section.String("device", fallback, IsDevice, "cpu, cuda or cuda:N");

    private static bool IsDevice(string device) =>
        device == "cpu" || device == "cuda"
        || (device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device[5..], out int index) && index >= 0);

    private static DataConfig ReadData(YamlSection section)
    {
        var d = new DataConfig();
        var data = new DataConfig
        {
            Dataset = section.String("dataset", d.Dataset, KnownDatasets.All),
            DataDir = section.OptionalPath("data_dir", d.DataDir),
            Path = section.OptionalPath("path", d.Path),
            Delimiter = section.String("delimiter", d.Delimiter).Replace("\\t", "\t"),
            Header = section.Bool("header", d.Header),
            UserColumn = section.String("user_column", d.UserColumn),
            ItemColumn = section.String("item_column", d.ItemColumn),
            RatingColumn = section.OptionalString("rating_column", d.RatingColumn),
            TimestampColumn = section.OptionalString("timestamp_column", d.TimestampColumn),
            ItemNames = section.OptionalPath("item_names", d.ItemNames),
            Encoding = section.OptionalString("encoding", d.Encoding) is { } encoding
                ? section.String("encoding", encoding, name => TextEncodings.Find(name) is not null, TextEncodings.Expected)
                : null,
            PositiveThreshold = section.OptionalDouble("positive_threshold", d.PositiveThreshold),
            MinItemsPerUser = section.Int("min_items_per_user", d.MinItemsPerUser, min: 1, max: SettingRanges.MaxItemsPerUser),
            HeldoutUsers = section.OptionalInt("heldout_users", d.HeldoutUsers, min: 1, max: SettingRanges.MaxHeldoutUsers),
            TargetFraction = section.Double("target_fraction", d.TargetFraction, min: 0.01, max: 0.99),
            TargetSplit = section.OptionalString("target_split", d.TargetSplit, TargetSplits.All),
            MinPlays = section.Int("min_plays", d.MinPlays, min: 1, max: 1_000_000_000),
            ArtistKey = section.String("artist_key", d.ArtistKey, "mbid", "name"),
            Synthetic = ReadSynthetic(section.Section("synthetic")),
        };
        section.RejectUnknownKeys();
        if (data.Delimiter.Length != 1)
            throw new ConfigException(ConfigErrorCodes.OutOfRange, $"'data.delimiter' must be a single character, not '{data.Delimiter}'", section.File);
        if (data.Dataset == KnownDatasets.File && data.Path is null)
            throw new ConfigException(ConfigErrorCodes.OutOfRange, "'data.path' must name the interactions file when 'data.dataset' is file", section.File);
        if (data.Dataset == KnownDatasets.File && data.TargetSplit == TargetSplits.Latest && data.TimestampColumn is null)
            throw new ConfigException(ConfigErrorCodes.OutOfRange, "'data.target_split: latest' needs 'data.timestamp_column' when 'data.dataset' is file", section.File);
        return data;
    }

    private static SyntheticDataConfig ReadSynthetic(YamlSection section)
    {
        var d = new SyntheticDataConfig();
        var synthetic = new SyntheticDataConfig
        {
            Users = section.Int("users", d.Users, min: 10, max: SettingRanges.MaxSyntheticUsers),
            Items = section.Int("items", d.Items, min: 10, max: SettingRanges.MaxSyntheticItems),
            Tastes = section.Int("tastes", d.Tastes, min: 1, max: SettingRanges.MaxSyntheticPerUser),
            MeanItemsPerUser = section.Int("mean_items_per_user", d.MeanItemsPerUser, min: 5, max: SettingRanges.MaxSyntheticPerUser),
            PopularityExponent = section.Double("popularity_exponent", d.PopularityExponent, min: 0, max: 3),
            TasteStrength = section.Double("taste_strength", d.TasteStrength, min: 0, max: 1),
        };
        section.RejectUnknownKeys();
        if ((long)synthetic.Users * synthetic.MeanItemsPerUser > SettingRanges.MaxSyntheticInteractions)
            throw new ConfigException(ConfigErrorCodes.OutOfRange,
                $"'data.synthetic.users' × 'mean_items_per_user' must be at most {SettingRanges.MaxSyntheticInteractions:N0} interactions, not {(long)synthetic.Users * synthetic.MeanItemsPerUser:N0}",
                section.File);
        return synthetic;
    }

    private static ModelConfig ReadModel(YamlSection section)
    {
        var d = new ModelConfig();
        var model = new ModelConfig
        {
            Type = section.String("type", d.Type, ModelTypes.All),
            EncoderDims = section.IntList("encoder_dims", d.EncoderDims, min: 1, max: SettingRanges.MaxLayerWidth, maxCount: SettingRanges.MaxEncoderLayers),
            Dropout = section.Double("dropout", d.Dropout, min: 0, max: 0.95),
            Ease = ReadEase(section.Section("ease")),
            RecVae = ReadRecVae(section.Section("recvae")),
        };
        section.RejectUnknownKeys();
        if (model.Type == ModelTypes.RecVae && model.EncoderDims.Count != 2)
            throw section.ErrorAt("encoder_dims", ConfigErrorCodes.OutOfRange,
                $"'model.encoder_dims' must be exactly [hidden, latent] for RecVAE (its encoder has five dense layers of one width), not {model.EncoderDims.Count} entries");
        return model;
    }

    private static EaseConfig ReadEase(YamlSection section)
    {
        var d = new EaseConfig();
        var ease = new EaseConfig
        {
            Lambda = section.OptionalDouble("lambda", d.Lambda, min: 0, max: SettingRanges.MaxEaseLambda),
            LambdaGrid = section.DoubleList("lambda_grid", d.LambdaGrid, min: 0, max: SettingRanges.MaxEaseLambda, maxCount: 64),
        };
        section.RejectUnknownKeys();
        return ease;
    }

    private static RecVaeConfig ReadRecVae(YamlSection section)
    {
        var d = new RecVaeConfig();
        var recVae = new RecVaeConfig
        {
            Gamma = section.OptionalDouble("gamma", d.Gamma, min: 0, max: 1e6),
            Beta = section.OptionalDouble("beta", d.Beta, min: 0, max: 1e6),
            EncoderEpochs = section.Int("encoder_epochs", d.EncoderEpochs, min: 0, max: 1000),
            DecoderEpochs = section.Int("decoder_epochs", d.DecoderEpochs, min: 0, max: 1000),
            MixtureWeights = section.DoubleList("mixture_weights", d.MixtureWeights, min: 0, max: 1, maxCount: 3),
        };
        section.RejectUnknownKeys();
        if (recVae.Gamma is null or 0 && recVae.Beta is null)
            throw section.ErrorAt("gamma", ConfigErrorCodes.OutOfRange,
                "'model.recvae' needs 'gamma' (a KL weight per history item) or, with gamma null or 0, 'beta' (a fixed KL weight)");
        if (recVae.EncoderEpochs + recVae.DecoderEpochs == 0)
            throw section.ErrorAt("encoder_epochs", ConfigErrorCodes.OutOfRange,
                "'model.recvae.encoder_epochs' and 'decoder_epochs' cannot both be 0: an epoch would train nothing");
        if (recVae.MixtureWeights.Count != 3 || recVae.MixtureWeights.Any(w => !(w > 0)) || Math.Abs(recVae.MixtureWeights.Sum() - 1) > 1e-6)
            throw section.ErrorAt("mixture_weights", ConfigErrorCodes.OutOfRange,
                $"'model.recvae.mixture_weights' must be three positive weights summing to 1 (standard normal, previous posterior, wide Gaussian), not [{string.Join(", ", recVae.MixtureWeights)}]");
        return recVae;
    }

    private static TrainingConfig ReadTraining(YamlSection section)
    {
        var d = new TrainingConfig();
        var training = new TrainingConfig
        {
            Epochs = section.Int("epochs", d.Epochs, min: 1, max: SettingRanges.MaxEpochs),
            BatchSize = section.Int("batch_size", d.BatchSize, min: 1, max: SettingRanges.MaxBatchSize),
            LearningRate = section.Double("learning_rate", d.LearningRate, min: 1e-9, max: 10),
            Beta1 = section.Double("beta1", d.Beta1, min: 0, max: 0.9999),
            Beta2 = section.Double("beta2", d.Beta2, min: 0, max: 0.9999999),
            TotalAnnealSteps = section.Int("total_anneal_steps", d.TotalAnnealSteps, min: 1),
            AnnealCap = section.Double("anneal_cap", d.AnnealCap, min: 0, max: 1),
            Lam = section.Double("lam", d.Lam, min: 0, max: SettingRanges.MaxLam),
            ValidationStep = section.Int("validation_step", d.ValidationStep, min: 1, max: SettingRanges.MaxEpochs),
            CheckpointStep = section.Int("checkpoint_step", d.CheckpointStep, min: 1, max: SettingRanges.MaxEpochs),
            EarlyStoppingPatience = section.OptionalInt("early_stopping_patience", d.EarlyStoppingPatience, min: 1, max: SettingRanges.MaxEpochs),
            EarlyStoppingMinDelta = section.Double("early_stopping_min_delta", d.EarlyStoppingMinDelta, min: 0, max: 1),
            WarmUpEpochs = section.Int("warm_up_epochs", d.WarmUpEpochs, min: 0, max: SettingRanges.MaxEpochs),
            MaxUsersPerPass = section.OptionalInt("max_users_per_pass", d.MaxUsersPerPass, min: 1, max: SettingRanges.MaxBatchSize),
            FusedKernels = section.Bool("fused_kernels", d.FusedKernels),
            Threads = section.OptionalInt("threads", d.Threads, min: 1, max: 1024),
        };
        section.RejectUnknownKeys();
        return training;
    }

    private static EvaluationConfig ReadEvaluation(YamlSection section)
    {
        var d = new EvaluationConfig();
        var evaluation = new EvaluationConfig
        {
            BatchSize = section.Int("batch_size", d.BatchSize, min: 1, max: SettingRanges.MaxBatchSize),
            Metrics = section.ParsedList("metrics", d.Metrics, RankingMetric.Parse, "a list of metrics such as [ndcg@100, recall@20, precision@10]"),
        };
        section.RejectUnknownKeys();
        return evaluation;
    }

    private static ExportConfig ReadExport(YamlSection section)
    {
        var d = new ExportConfig();
        var export = new ExportConfig
        {
            Precision = section.String("precision", d.Precision, ExportPrecisions.All),
        };
        section.RejectUnknownKeys();
        return export;
    }

    /// <summary>Sets <c>a.b.c=value</c> in the parsed tree, creating sections as needed.</summary>
    private static void ApplyOverride(YamlMappingNode root, string assignment, string file, HashSet<YamlNode> fromOverrides)
    {
        int equals = assignment.IndexOf('=');
        if (equals <= 0)
            throw new ConfigException(ConfigErrorCodes.BadOverride, $"override '{assignment}' must look like section.key=value", file);
        string[] path = assignment[..equals].Trim().Split('.');
        string valueText = assignment[(equals + 1)..].Trim();
        YamlNode value;
        try
        {
            var parsed = new YamlStream();
            parsed.Load(new StringReader("v: " + valueText));
            value = ((YamlMappingNode)parsed.Documents[0].RootNode).Children[new YamlScalarNode("v")];
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException or ArgumentException) // see Parse for the last two
        {
            throw new ConfigException(ConfigErrorCodes.BadOverride, $"override '{assignment}' has a malformed value: {e.Message}", file);
        }

        YamlMappingNode mapping = root;
        for (int i = 0; i < path.Length - 1; i++)
        {
            var key = new YamlScalarNode(path[i]);
            if (!mapping.Children.TryGetValue(key, out var child) || child is not YamlMappingNode childMapping)
            {
                childMapping = new YamlMappingNode();
                mapping.Children[key] = childMapping;
                fromOverrides.Add(key);
                fromOverrides.Add(childMapping);
            }
            mapping = childMapping;
        }
        var leaf = new YamlScalarNode(path[^1]);
        fromOverrides.Add(leaf);
        fromOverrides.Add(value);
        mapping.Children.Remove(leaf);
        mapping.Children[leaf] = value;
    }
}
