namespace VaeToolkit.Configuration;

/// <summary>
/// What <see cref="ConfigLoader"/> needs of one <c>model.type</c>: its name, the reader of its own section
/// <c>model.&lt;type&gt;</c> if it has one, and its rules across sections. The engine's model registry provides
/// them (one entry per model, in the model's folder), so that Core knows no model.
/// </summary>
public interface IModelConfigType
{
    /// <summary>The value of <c>model.type</c> that selects this model.</summary>
    string Type { get; }

    /// <summary>
    /// Reads the section <c>model.&lt;Type&gt;</c>, defaults for absent keys, and rejects keys it does not know; null
    /// for a type without settings of its own. The section is read (so checked) whichever type a file chooses.
    /// </summary>
    Func<YamlSection, ModelTypeConfig>? ReadSection { get; }

    /// <summary>
    /// Rules between this type and the rest of the file (widths it needs, export precisions it refuses), run once
    /// the whole file is read and only when <c>model.type</c> is this type. Throws a <see cref="ConfigException"/>
    /// located with the root section (<c>root.Section("export").ErrorAt("precision", ...)</c>).
    /// </summary>
    Action<VaeConfig, YamlSection>? CheckConfig { get; }
}
