using VaeToolkit.Configuration;

namespace VaeToolkit.Training.Models;

/// <summary>
/// One entry of <see cref="ModelRegistry"/>: a <c>model.type</c>, what it is, where it comes from, and how to
/// build its trainer for a config and a catalogue size.
/// </summary>
/// <param name="Type">The <c>model.type</c> value (<see cref="ModelTypes"/>).</param>
/// <param name="Description">One line for tables and help.</param>
/// <param name="Paper">The publication it follows.</param>
/// <param name="Iterative">Whether it trains by epochs (and so checkpoints, resumes and benchmarks); false for a closed form.</param>
/// <param name="Create">Builds the trainer for a config and the data's item count.</param>
public sealed record ModelDefinition(string Type, string Description, string Paper, bool Iterative, Func<VaeConfig, int, IModelTrainer> Create);
