using YamlDotNet.RepresentationModel;

namespace VaeToolkit.Configuration;

/// <summary>
/// The keys a config file may set, as <c>section.key</c> names (<c>training.epochs</c>), and their defaults.
/// Both come from the loader and the writer themselves, never from a list kept by hand: <see cref="Keys"/>
/// are the keys a <see cref="ConfigLoader"/> reads while it reads the defaults (every model type's section
/// included), so a key added to the loader or to a model's section is a key here (the <c>-Set</c> completer
/// offers it, a test checks that the help documents it). A loader's <see cref="ConfigLoader.Schema"/>.
/// </summary>
public sealed class ConfigSchema
{
    private readonly ConfigLoader _loader;
    private readonly Lazy<IReadOnlyList<string>> _keys;
    private readonly Lazy<IReadOnlyDictionary<string, string>> _defaults;

    internal ConfigSchema(ConfigLoader loader)
    {
        _loader = loader;
        _keys = new(loader.ReadKeys);
        _defaults = new(ReadDefaults);
    }

    /// <summary>Every value key, in the order the loader reads them (the order of the sections in a config file).</summary>
    public IReadOnlyList<string> Keys => _keys.Value;

    /// <summary>
    /// The default of <paramref name="key"/> as YAML text (<c>200</c>, <c>null</c>, <c>[600, 200]</c>), as the writer
    /// writes the defaults; null for a key it leaves out at its default (it writes early stopping only when set).
    /// </summary>
    public string? DefaultText(string key) => _defaults.Value.GetValueOrDefault(key);

    // The writer writes a model type's own section for that type only: the defaults of each type, merged.
    private IReadOnlyDictionary<string, string> ReadDefaults()
    {
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string type in _loader.ModelTypeNames)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(ConfigWriter.ToYaml(_loader.DefaultsOf(type))));
            Flatten((YamlMappingNode)stream.Documents[0].RootNode, "", defaults);
        }
        defaults["model.type"] = _loader.Defaults.Model.Type;
        return defaults;
    }

    private static void Flatten(YamlMappingNode mapping, string prefix, Dictionary<string, string> into)
    {
        foreach (var (key, value) in mapping.Children)
        {
            string name = prefix + ((YamlScalarNode)key).Value;
            switch (value)
            {
                case YamlMappingNode section:
                    Flatten(section, name + ".", into);
                    break;
                case YamlSequenceNode list:
                    into.TryAdd(name, "[" + string.Join(", ", list.Children.Select(item => ((YamlScalarNode)item).Value)) + "]");
                    break;
                case YamlScalarNode scalar:
                    into.TryAdd(name, scalar.Value is null or "" ? "null" : scalar.Value);
                    break;
            }
        }
    }
}
