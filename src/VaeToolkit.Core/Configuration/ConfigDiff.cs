namespace VaeToolkit.Configuration;

/// <summary>The settings that differ between two configs written by <see cref="ConfigWriter"/>.</summary>
public static class ConfigDiff
{
    /// <summary>One line per changed key: <c>model.encoder_dims: [600, 200] -> [400]</c>.</summary>
    public static IReadOnlyList<string> Changes(string beforeYaml, string afterYaml)
    {
        var before = Flatten(beforeYaml);
        var after = Flatten(afterYaml);
        var changes = new List<string>();
        foreach (var (key, value) in after)
        {
            if (!before.TryGetValue(key, out string? old)) changes.Add($"{key}: (absent) -> {value}");
            else if (old != value) changes.Add($"{key}: {old} -> {value}");
        }
        changes.AddRange(before.Keys.Where(key => !after.ContainsKey(key)).Select(key => $"{key}: {before[key]} -> (absent)"));
        return changes;
    }

    /// <summary>Dotted key -> value text, for the nested mappings of two-space indented YAML.</summary>
    private static Dictionary<string, string> Flatten(string yaml)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var sections = new List<string>();
        foreach (string line in yaml.Split('\n'))
        {
            string trimmed = line.TrimEnd('\r');
            if (trimmed.TrimStart().Length == 0 || trimmed.TrimStart().StartsWith('#')) continue;
            int depth = (trimmed.Length - trimmed.TrimStart().Length) / 2;
            int colon = trimmed.IndexOf(':');
            if (colon < 0) continue;
            string key = trimmed[..colon].Trim();
            string value = trimmed[(colon + 1)..].Trim();
            if (sections.Count > depth) sections.RemoveRange(depth, sections.Count - depth);
            if (value.Length == 0)
                sections.Add(key);
            else
                values[string.Join('.', sections.Append(key))] = value;
        }
        return values;
    }
}
