using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using VaeToolkit.Metrics;

namespace VaeToolkit.Configuration;

/// <summary>
/// Reads a YAML experiment file into an immutable <see cref="VaeConfig"/>. Unknown or duplicate keys,
/// wrong types and out-of-range values are errors that name the file, line and column. The model types it
/// accepts, with their own sections, are given to it (the engine's registry holds one loader over every model:
/// <c>ModelRegistry.ConfigLoader</c>); Core knows no model.
/// </summary>
public sealed class ConfigLoader
{
    public const string DefaultName = "(built-in defaults)";

    private readonly IReadOnlyList<IModelConfigType> _modelTypes;
    private readonly string[] _modelTypeNames;
    private readonly Lazy<ConfigSchema> _schema;

    /// <param name="modelTypes">Every type <c>model.type</c> may name, the default (<see cref="ModelTypes.Vae"/>) among them.</param>
    public ConfigLoader(IEnumerable<IModelConfigType> modelTypes)
    {
        _modelTypes = [.. modelTypes];
        _modelTypeNames = [.. _modelTypes.Select(type => type.Type)];
        var duplicate = _modelTypes.GroupBy(type => type.Type).FirstOrDefault(group => group.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"model type '{duplicate.Key}' is given twice", nameof(modelTypes));
        if (!_modelTypes.Any(type => type.Type == new ModelConfig().Type))
            throw new ArgumentException($"the default model type '{new ModelConfig().Type}' is not among the types given", nameof(modelTypes));
        _schema = new(() => new ConfigSchema(this));
    }

    /// <summary>The values <c>model.type</c> accepts, in the registry's order.</summary>
    public IReadOnlyList<string> ModelTypeNames => _modelTypeNames;

    /// <summary>The keys this loader reads and their defaults (for completion and the help's key list).</summary>
    public ConfigSchema Schema => _schema.Value;

    /// <summary>Reads <paramref name="path"/>, then applies <c>section.key=value</c> overrides.</summary>
    public VaeConfig Load(string path, IEnumerable<string>? overrides = null) =>
        Parse(ReadFile(path, out string fullPath), fullPath, overrides);

    /// <summary>Parses YAML text; <paramref name="file"/> names it in errors and anchors relative paths.</summary>
    public VaeConfig Parse(string yaml, string file, IEnumerable<string>? overrides = null)
    {
        YamlMappingNode root = ParseTree(yaml, file);
        var fromOverrides = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        foreach (string assignment in overrides ?? [])
            ApplyOverride(root, assignment, file, fromOverrides);
        return Read(new YamlSection(file, root, fromOverrides: fromOverrides), file, checkTypeRules: true);
    }

    /// <summary>
    /// The config to prepare one data set: a config file (or the defaults when there is none), then the
    /// overrides, then the data set name and its source file or folder when given.
    /// </summary>
    public VaeConfig ForDataset(string? configFile, string? dataset, string? source, IEnumerable<string>? overrides = null)
    {
        var all = new List<string>(overrides ?? []);
        if (dataset is not null) all.Add($"data.dataset={dataset}");
        if (source is not null) all.Add($"data.path='{Path.GetFullPath(source).Replace("'", "''")}'");
        return configFile is null ? Parse("", DefaultName, all) : Load(configFile, all);
    }

    /// <summary>The default configuration: the built-in synthetic data set with reference hyperparameters.</summary>
    public VaeConfig Defaults => Parse("", DefaultName);

    /// <summary>
    /// The <c>evaluation</c> section of a config file alone, read without knowing any model: for a run's own
    /// config.yaml (written and checked when it trained) in a process that scores or serves without the engine.
    /// </summary>
    public static EvaluationConfig ReadEvaluation(string path)
    {
        string yaml = ReadFile(path, out string fullPath);
        return ReadEvaluation(new YamlSection(fullPath, ParseTree(yaml, fullPath)).Section("evaluation"));
    }

    /// <summary>The full name of every value key the reader asks for, read off a pass over the defaults (see <see cref="ConfigSchema"/>).</summary>
    internal IReadOnlyList<string> ReadKeys()
    {
        var keys = new List<string>();
        Read(new YamlSection(DefaultName, null, keysRead: keys), DefaultName, checkTypeRules: true);
        return keys;
    }

    /// <summary>
    /// The defaults with <c>model.type</c> set to <paramref name="type"/>, without the type's rules across sections:
    /// the shared defaults may break them (a type that needs other widths), and the schema wants its section's defaults.
    /// </summary>
    internal VaeConfig DefaultsOf(string type)
    {
        var root = new YamlMappingNode { { "model", new YamlMappingNode { { "type", type } } } };
        return Read(new YamlSection(DefaultName, root), DefaultName, checkTypeRules: false);
    }

    private static string ReadFile(string path, out string fullPath)
    {
        fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new ConfigException(ConfigErrorCodes.MissingFile, $"config file not found: {fullPath}", fullPath);
        return File.ReadAllText(fullPath);
    }

    private static YamlMappingNode ParseTree(string yaml, string file)
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

        return stream.Documents.Count == 0 ? new YamlMappingNode() : stream.Documents[0].RootNode switch
        {
            YamlMappingNode mapping => mapping,
            YamlScalarNode { Value: null or "" } => new YamlMappingNode(),
            var other => throw new ConfigException(ConfigErrorCodes.WrongType, "the file must be a mapping of sections (data:, model:, training:, ...)", file, other.Start.Line, other.Start.Column),
        };
    }

    private VaeConfig Read(YamlSection root, string file, bool checkTypeRules)
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
        if (checkTypeRules) _modelTypes.First(type => type.Type == config.Model.Type).CheckConfig?.Invoke(config, root);
        return config;
    }

    private ModelConfig ReadModel(YamlSection section)
    {
        var d = new ModelConfig();
        string type = section.String("type", d.Type, _modelTypeNames);
        var encoderDims = section.IntList("encoder_dims", d.EncoderDims, min: 1, max: SettingRanges.MaxLayerWidth, maxCount: SettingRanges.MaxEncoderLayers);
        double dropout = section.Double("dropout", d.Dropout, min: 0, max: 0.95);
        // Every type's own section is read, so checked, whichever type the file chooses: a sweep may switch types.
        ModelTypeConfig? settings = null;
        foreach (var modelType in _modelTypes)
        {
            if (modelType.ReadSection is not { } readSection) continue;
            var sectionSettings = readSection(section.Section(modelType.Type));
            if (modelType.Type == type) settings = sectionSettings;
        }
        section.RejectUnknownKeys();
        return new ModelConfig { Type = type, EncoderDims = encoderDims, Dropout = dropout, Settings = settings };
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
