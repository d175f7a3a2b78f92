namespace VaeToolkit.Training.Models;

/// <summary>
/// What a model card records of a trained model besides its type and items: the latent size and encoder widths
/// of a model with an encoder graph (both null for one without), and its settings by name (EASE's lambda).
/// </summary>
public sealed record ModelShape(int? LatentDim, IReadOnlyList<int>? EncoderDims, IReadOnlyDictionary<string, double>? Hyperparameters = null);
