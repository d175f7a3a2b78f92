using YamlDotNet.RepresentationModel;

namespace VaeToolkit.Configuration;

/// <summary>
/// The keys a config file may set, as <c>section.key</c> names (<c>training.epochs</c>), and their defaults.
/// Both come from the loader and the writer themselves, never from a list kept by hand: <see cref="Keys"/>
/// are the keys <see cref="ConfigLoader"/> reads while it reads the defaults, so a key added to the
/// loader is a key here (the <c>-Set</c> completer offers it, a test checks that the help documents it).
/// </summary>
public static class ConfigSchema
{
    private static readonly Lazy<IReadOnlyList<string>> LazyKeys = new(ConfigLoader.ReadKeys);
    private static readonly Lazy<IReadOnlyDictionary<string, string>> LazyDefaults = new(ReadDefaults);

    /// <summary>Every value key, in the order the loader reads them (the order of the sections in a config file).</summary>
    public static IReadOnlyList<string> Keys => LazyKeys.Value;

    /// <summary>
    /// The default of <paramref name="key"/> as YAML text (<c>200</c>, <c>null</c>, <c>[600, 200]</c>), as the writer
    /// writes the defaults; null for a key it leaves out at its default (it writes early stopping only when set).
    /// </summary>
    public static string? DefaultText(string key) => LazyDefaults.Value.GetValueOrDefault(key);

    // The writer writes a model type's own section for that type only: the defaults of each type, merged.
    private static IReadOnlyDictionary<string, string> ReadDefaults()
    {
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string type in ModelTypes.All)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(ConfigWriter.ToYaml(ConfigLoader.Parse("", ConfigLoader.DefaultName, [$"model.type={type}"]))));
            Flatten((YamlMappingNode)stream.Documents[0].RootNode, "", defaults);
        }
        defaults["model.type"] = ConfigLoader.Defaults.Model.Type;
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
