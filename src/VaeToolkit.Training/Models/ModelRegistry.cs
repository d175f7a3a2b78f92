using VaeToolkit.Configuration;
using VaeToolkit.Training.Models.Ease;
using VaeToolkit.Training.Models.RecVae;

namespace VaeToolkit.Training.Models;

/// <summary>
/// Every model the toolkit trains, by <c>model.type</c>. Adding a model is a folder under Models/ holding its
/// <see cref="IModelTrainer"/> (and, for settings of its own, a <see cref="ModelTypeConfig"/> record with its
/// reader), and one line here: <see cref="ConfigLoader"/> then accepts its type and reads its section.
/// </summary>
public static class ModelRegistry
{
    public static readonly IReadOnlyList<ModelDefinition> All =
    [
        new(ModelTypes.Vae, "Mult-VAE: variational autoencoder, multinomial likelihood, annealed KL", "Liang et al. 2018, Variational Autoencoders for Collaborative Filtering", Iterative: true,
            (config, items) => new Trainer(config, items)),
        new(ModelTypes.Dae, "Mult-DAE: the same network as a denoising autoencoder", "Liang et al. 2018, Variational Autoencoders for Collaborative Filtering", Iterative: true,
            (config, items) => new Trainer(config, items)),
        new(ModelTypes.Ease, "EASE: closed-form item-item linear model with a zero diagonal", "Steck 2019, Embarrassingly Shallow Autoencoders for Sparse Data", Iterative: false,
            (config, items) => new EaseTrainer(config, items), EaseConfig.Read, EaseConfig.Check),
        new(ModelTypes.RecVae, "RecVAE: Mult-VAE with a composite prior, a dense-connected encoder and alternating encoder/decoder updates", "Shenbin et al. 2020, RecVAE: a New Variational Autoencoder for Top-N Recommendations with Implicit Feedback", Iterative: true,
            (config, items) => new RecVaeTrainer(config, items), RecVaeConfig.Read, RecVaeConfig.Check),
    ];

    /// <summary>
    /// The config loader over every model above: it accepts their types and reads their sections. Front ends,
    /// tests and the orchestration read configs with it; a process without the engine reads only what it needs
    /// (<see cref="ConfigLoader.ReadEvaluation(string)"/>).
    /// </summary>
    public static readonly ConfigLoader ConfigLoader = new(All);

    /// <summary>The definition of <paramref name="type"/>; an unknown type is an error listing the known ones.</summary>
    public static ModelDefinition Find(string type) =>
        All.FirstOrDefault(definition => definition.Type == type)
        ?? throw new ArgumentException($"model type '{type}' is not one of {string.Join(", ", All.Select(d => d.Type))}", nameof(type));

    /// <summary>The trainer of <paramref name="config"/>'s model type for a catalogue of <paramref name="itemCount"/> items.</summary>
    public static IModelTrainer Create(VaeConfig config, int itemCount) => Find(config.Model.Type).Create(config, itemCount);
}
