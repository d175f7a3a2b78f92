using VaeToolkit.Configuration;

namespace VaeToolkit.Training.Models;

/// <summary>
/// One entry of <see cref="ModelRegistry"/>: a <c>model.type</c>, what it is, where it comes from, how to build
/// its trainer for a config and a catalogue size, and what the config loader needs of it (its own section and
/// rules across sections, both optional).
/// </summary>
/// <param name="Type">The <c>model.type</c> value.</param>
/// <param name="Description">One line for tables and help.</param>
/// <param name="Paper">The publication it follows.</param>
/// <param name="Iterative">Whether it trains by epochs (and so checkpoints, resumes and benchmarks); false for a closed form.</param>
/// <param name="Create">Builds the trainer for a config and the data's item count.</param>
/// <param name="ReadSection">Reads its own section <c>model.&lt;type&gt;</c> into a <see cref="ModelTypeConfig"/> record of its folder; null without one.</param>
/// <param name="CheckConfig">Its rules across sections (widths, export precisions); null without any.</param>
public sealed record ModelDefinition(
    string Type,
    string Description,
    string Paper,
    bool Iterative,
    Func<VaeConfig, int, IModelTrainer> Create,
    Func<YamlSection, ModelTypeConfig>? ReadSection = null,
    Action<VaeConfig, YamlSection>? CheckConfig = null) : IModelConfigType;
