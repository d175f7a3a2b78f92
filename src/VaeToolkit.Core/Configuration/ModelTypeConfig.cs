namespace VaeToolkit.Configuration;

/// <summary>
/// A model type's own settings, the section <c>model.&lt;type&gt;</c> (EASE's λ, RecVAE's prior). Each is a
/// record in its model's folder of the engine, read and checked through <see cref="IModelConfigType"/>, so that
/// Core knows no model. Equality is value equality: it decides whether a checkpoint's settings changed.
/// </summary>
public abstract record ModelTypeConfig
{
    /// <summary>
    /// The section's keys with their values as YAML text (<see cref="YamlValues"/> formats them), in the order
    /// <see cref="ConfigWriter"/> writes them. Checkpoints hash that text: the order and format must not change.
    /// </summary>
    public abstract IEnumerable<KeyValuePair<string, string>> ToYaml();
}
