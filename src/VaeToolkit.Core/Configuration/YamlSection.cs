using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace VaeToolkit.Configuration;

/// <summary>
/// Reads the keys of one YAML mapping with type and range checks. Every key read is remembered, so
/// that <see cref="RejectUnknownKeys"/> can report the keys nobody asked for, with a suggestion.
/// </summary>
public sealed class YamlSection
{
    private readonly string _file;
    private readonly string _prefix;
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sections = new(StringComparer.Ordinal);
    private readonly IReadOnlySet<YamlNode> _fromOverrides;
    private readonly ICollection<string>? _keysRead;

    /// <param name="fromOverrides">Nodes that came from overrides rather than the file: their errors name no line.</param>
    /// <param name="keysRead">When given, receives the full name (<c>data.synthetic.users</c>) of every value key read, here and in sub-sections.</param>
    internal YamlSection(string file, YamlMappingNode? mapping, string prefix = "", IReadOnlySet<YamlNode>? fromOverrides = null, ICollection<string>? keysRead = null)
    {
        _file = file;
        _prefix = prefix;
        _fromOverrides = fromOverrides ?? new HashSet<YamlNode>();
        _keysRead = keysRead;
        if (mapping is null) return;
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode key || key.Value is null)
                throw Error(ConfigErrorCodes.WrongType, keyNode, "a key must be a plain name");
            if (!_entries.TryAdd(key.Value, (key, value)))
                throw Error(ConfigErrorCodes.DuplicateKey, key, $"duplicate key '{prefix}{key.Value}'");
        }
    }

    public string File => _file;

    public YamlSection Section(string name)
    {
        _known.Add(name);
        _sections.Add(name);
        if (!_entries.TryGetValue(name, out var entry) || IsNull(entry.Value))
            return new YamlSection(_file, null, $"{_prefix}{name}.", _fromOverrides, _keysRead);
        if (entry.Value is not YamlMappingNode mapping)
            throw Error(ConfigErrorCodes.WrongType, entry.Value, $"'{_prefix}{name}' must be a mapping of keys");
        return new YamlSection(_file, mapping, $"{_prefix}{name}.", _fromOverrides, _keysRead);
    }

    public string String(string name, string fallback, params string[] allowed) =>
        OptionalString(name, fallback, allowed) ?? fallback;

    public string? OptionalString(string name, string? fallback, params string[] allowed)
    {
        if (!TryScalar(name, out var node, out string? text)) return fallback;
        if (text is null) return null;
        if (allowed.Length > 0 && !allowed.Contains(text, StringComparer.Ordinal))
            throw Error(ConfigErrorCodes.OutOfRange, node, $"'{_prefix}{name}' must be one of {string.Join(", ", allowed)}, not '{text}'");
        return text;
    }

    /// <summary>A string that must pass <paramref name="isValid"/>; the error says it must be <paramref name="expectation"/>.</summary>
    public string String(string name, string fallback, Func<string, bool> isValid, string expectation)
    {
        if (!TryScalar(name, out var node, out string? text) || text is null) return fallback;
        if (!isValid(text))
            throw Error(ConfigErrorCodes.OutOfRange, node, $"'{_prefix}{name}' must be {expectation}, not '{text}'");
        return text;
    }

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue) =>
        OptionalInt(name, fallback, min, max) ?? throw Error(ConfigErrorCodes.WrongType, _entries[name].Value, $"'{_prefix}{name}' must be an integer, not null");

    public int? OptionalInt(string name, int? fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!TryScalar(name, out var node, out string? text)) return fallback;
        if (text is null) return null;
        if (!TryInteger(text, out long value))
            throw Error(ConfigErrorCodes.WrongType, node, $"'{_prefix}{name}' must be an integer, not '{text}'");
        if (value < min || value > max)
            throw Error(ConfigErrorCodes.OutOfRange, node, $"'{_prefix}{name}' must be {RangeText(min, max)}, not {text}");
        return (int)value;
    }

    public double Double(string name, double fallback, double min = double.NegativeInfinity, double max = double.PositiveInfinity) =>
        OptionalDouble(name, fallback, min, max) ?? throw Error(ConfigErrorCodes.WrongType, _entries[name].Value, $"'{_prefix}{name}' must be a number, not null");

    public double? OptionalDouble(string name, double? fallback, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        if (!TryScalar(name, out var node, out string? text)) return fallback;
        if (text is null) return null;
        if (!double.TryParse(text.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw Error(ConfigErrorCodes.WrongType, node, $"'{_prefix}{name}' must be a number, not '{text}'");
        if (value < min || value > max)
            throw Error(ConfigErrorCodes.OutOfRange, node, $"'{_prefix}{name}' must be {RangeText(min, max)}, not {text}");
        return value;
    }

    public bool Bool(string name, bool fallback)
    {
        if (!TryScalar(name, out var node, out string? text) || text is null) return fallback;
        return text.ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw Error(ConfigErrorCodes.WrongType, node, $"'{_prefix}{name}' must be true or false, not '{text}'"),
        };
    }

    public IReadOnlyList<int> IntList(string name, IReadOnlyList<int> fallback, int min = 1, int max = int.MaxValue, int maxCount = int.MaxValue)
    {
        RememberValueKey(name);
        if (!_entries.TryGetValue(name, out var entry) || IsNull(entry.Value)) return fallback;
        if (entry.Value is not YamlSequenceNode sequence)
            throw Error(ConfigErrorCodes.WrongType, entry.Value, $"'{_prefix}{name}' must be a list of integers such as [600, 200]");
        var values = new List<int>();
        foreach (var item in sequence.Children)
        {
            if (item is not YamlScalarNode { Value: { } text } || !TryInteger(text, out long value))
                throw Error(ConfigErrorCodes.WrongType, item, $"'{_prefix}{name}' must be a list of integers such as [600, 200]");
            if (value < min || value > max)
                throw Error(ConfigErrorCodes.OutOfRange, item, $"every entry of '{_prefix}{name}' must be {RangeText(min, max)}, not {text}");
            values.Add((int)value);
        }
        if (values.Count == 0)
            throw Error(ConfigErrorCodes.OutOfRange, entry.Value, $"'{_prefix}{name}' must not be empty");
        if (values.Count > maxCount)
            throw Error(ConfigErrorCodes.OutOfRange, entry.Value, $"'{_prefix}{name}' must have at most {maxCount} entries, not {values.Count}");
        return values;
    }

    public IReadOnlyList<double> DoubleList(string name, IReadOnlyList<double> fallback, double min, double max, int maxCount = int.MaxValue)
    {
        RememberValueKey(name);
        if (!_entries.TryGetValue(name, out var entry) || IsNull(entry.Value)) return fallback;
        string expectation = $"'{_prefix}{name}' must be a list of numbers such as [100, 500]";
        if (entry.Value is not YamlSequenceNode sequence) throw Error(ConfigErrorCodes.WrongType, entry.Value, expectation);
        var values = new List<double>();
        foreach (var item in sequence.Children)
        {
            if (item is not YamlScalarNode { Value: { } text }
                || !double.TryParse(text.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                throw Error(ConfigErrorCodes.WrongType, item, expectation);
            if (value < min || value > max)
                throw Error(ConfigErrorCodes.OutOfRange, item, $"every entry of '{_prefix}{name}' must be {RangeText(min, max)}, not {text}");
            values.Add(value);
        }
        if (values.Count == 0)
            throw Error(ConfigErrorCodes.OutOfRange, entry.Value, $"'{_prefix}{name}' must not be empty");
        if (values.Count > maxCount)
            throw Error(ConfigErrorCodes.OutOfRange, entry.Value, $"'{_prefix}{name}' must have at most {maxCount} entries, not {values.Count}");
        return values;
    }

    /// <summary>
    /// A list of strings each read by <paramref name="parse"/>, whose <see cref="FormatException"/> becomes the error at that
    /// entry; an entry given twice is an error too.
    /// </summary>
    public IReadOnlyList<T> ParsedList<T>(string name, IReadOnlyList<T> fallback, Func<string, T> parse, string expectation)
    {
        _known.Add(name);
        if (!_entries.TryGetValue(name, out var entry) || IsNull(entry.Value)) return fallback;
        if (entry.Value is not YamlSequenceNode sequence)
            throw Error(ConfigErrorCodes.WrongType, entry.Value, $"'{_prefix}{name}' must be {expectation}");
        var values = new List<T>();
        foreach (var child in sequence.Children)
        {
            // The entries of a list from an override came from no line of the file: errors point at the list, which says so.
            var item = _fromOverrides.Contains(sequence) ? sequence : child;
            if (child is not YamlScalarNode { Value: { } text })
                throw Error(ConfigErrorCodes.WrongType, item, $"every entry of '{_prefix}{name}' must be a single value");
            T value;
            try
            {
                value = parse(text);
            }
            catch (FormatException e)
            {
                throw Error(ConfigErrorCodes.OutOfRange, item, $"'{_prefix}{name}': {e.Message}");
            }
            if (values.Contains(value))
                throw Error(ConfigErrorCodes.DuplicateKey, item, $"'{_prefix}{name}' lists '{text}' twice");
            values.Add(value);
        }
        if (values.Count == 0)
            throw Error(ConfigErrorCodes.OutOfRange, entry.Value, $"'{_prefix}{name}' must not be empty");
        return values;
    }

    /// <summary>A path relative to the config file's folder, as written in the file.</summary>
    public string? OptionalPath(string name, string? fallback)
    {
        string? text = OptionalString(name, fallback);
        if (text is null || text == fallback) return text;
        string expanded = text.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), text[2..])
            : Environment.ExpandEnvironmentVariables(text);
        string folder = Path.GetDirectoryName(Path.GetFullPath(_file)) ?? ".";
        return Path.GetFullPath(Path.Combine(folder, expanded));
    }

    private void RememberValueKey(string name)
    {
        if (_known.Add(name)) _keysRead?.Add(_prefix + name);
    }

    /// <summary>Throws for the first key in this mapping that no reader asked for.</summary>
    public void RejectUnknownKeys()
    {
        // A reader that marks its key known without RememberValueKey still has its key logged, if later.
        if (_keysRead is not null)
        {
            foreach (string name in _known)
            {
                if (!_sections.Contains(name) && !_keysRead.Contains(_prefix + name)) _keysRead.Add(_prefix + name);
            }
        }
        foreach (var (name, entry) in _entries)
        {
            if (_known.Contains(name)) continue;
            string? suggestion = Closest(name, _known);
            string hint = suggestion is null ? $" (known keys: {string.Join(", ", _known.Order())})" : $" (did you mean '{suggestion}'?)";
            throw Error(ConfigErrorCodes.UnknownKey, entry.Key, $"unknown key '{_prefix}{name}'{hint}");
        }
    }

    /// <summary>An error about key <paramref name="name"/>: at its value's line when the file (not an override or a default) set it.</summary>
    public ConfigException ErrorAt(string name, string code, string message) =>
        _entries.TryGetValue(name, out var entry) ? Error(code, entry.Value, message) : new ConfigException(code, message, _file);

    internal ConfigException Error(string code, YamlNode node, string message) =>
        _fromOverrides.Contains(node)
            ? new(code, $"{message}, in an override", _file)
            : new(code, message, _file, node.Start.Line, node.Start.Column);

    private bool TryScalar(string name, out YamlNode node, out string? text)
    {
        RememberValueKey(name);
        text = null;
        node = null!;
        if (!_entries.TryGetValue(name, out var entry)) return false;
        node = entry.Value;
        if (IsNull(node)) return true;
        if (node is not YamlScalarNode scalar)
            throw Error(ConfigErrorCodes.WrongType, node, $"'{_prefix}{name}' must be a single value");
        text = scalar.Value;
        return true;
    }

    /// <summary>Parses an integer (<c>_</c> separators allowed); digits too many for a long saturate, so that they are out of range rather than of the wrong type.</summary>
    private static bool TryInteger(string text, out long value)
    {
        string digits = text.Replace("_", "").Trim();
        if (long.TryParse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture, out value)) return true;
        string unsigned = digits.TrimStart('-', '+');
        if (unsigned.Length == 0 || digits.Length - unsigned.Length > 1 || !unsigned.All(char.IsAsciiDigit)) return false;
        value = digits[0] == '-' ? long.MinValue : long.MaxValue;
        return true;
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string RangeText(double min, double max) =>
        (double.IsInfinity(min) || min == int.MinValue, double.IsInfinity(max) || max == int.MaxValue) switch
        {
            (false, false) => $"between {Number(min)} and {Number(max)}",
            (false, true) => $"at least {Number(min)}",
            (true, false) => $"at most {Number(max)}",
            _ => "a number",
        };

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string? Closest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int distance = EditDistance(name, candidate);
            if (distance < bestDistance) (best, bestDistance) = (candidate, distance);
        }
        return bestDistance <= Math.Max(2, name.Length / 3) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
