namespace VaeToolkit.Cli;

/// <summary>
/// A small parser for <c>verb --name value --flag --set a.b=c</c> command lines: options may repeat,
/// flags take no value, and anything unexpected is a usage error naming the option.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly List<string> _arguments = [];

    /// <summary>The flag every verb takes: details of a failure after its one-line message.</summary>
    public const string Verbose = "verbose";

    /// <summary>Whether <see cref="OnlyAllow"/> only reports the verb's options (<see cref="Probe"/>).</summary>
    private bool _probe;

    private CommandLine(string verb) => Verb = verb;

    /// <summary>
    /// A command line on which the verb's <see cref="OnlyAllow"/>, its first call, throws
    /// <see cref="AllowedOptionsProbe"/> with the options the verb takes, before anything is read or done:
    /// how the tests check a verb's help against the options its code accepts.
    /// </summary>
    internal static CommandLine Probe(string verb) => new(verb) { _probe = true };

    public string Verb { get; }

    /// <param name="positional">Whether the verb takes arguments that are not options (<see cref="Arguments"/>); all after <c>--</c> are.</param>
    public static CommandLine Parse(string[] args, IReadOnlySet<string> flagNames, bool positional = false)
    {
        if (args.Length == 0) throw new UsageException("a verb is required");
        var line = new CommandLine(args[0]);
        for (int i = 1; i < args.Length; i++)
        {
            string arg = args[i];
            if (positional && arg == "--")
            {
                line._arguments.AddRange(args[(i + 1)..]);
                break;
            }
            if (positional && !arg.StartsWith("--", StringComparison.Ordinal))
            {
                line._arguments.Add(arg);
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"unexpected argument '{arg}'");
            string name = arg[2..];
            string? inlineValue = null;
            int equals = name.IndexOf('=');
            if (equals > 0 && name[..equals] != "set")
                (name, inlineValue) = (name[..equals], name[(equals + 1)..]);
            if (flagNames.Contains(name))
            {
                line._flags.Add(name);
                continue;
            }
            string value = inlineValue ?? (i + 1 < args.Length ? args[++i] : throw new UsageException($"option --{name} needs a value"));
            if (!line._options.TryGetValue(name, out var values)) line._options[name] = values = [];
            values.Add(value);
        }
        return line;
    }

    public bool Flag(string name) => _flags.Contains(name);

    /// <summary>The arguments that are not options, in order (verbs parsed with <c>positional</c> only).</summary>
    public IReadOnlyList<string> Arguments => _arguments;

    public string? Value(string name) => _options.TryGetValue(name, out var values) ? values[^1] : null;

    public string Required(string name) => Value(name) ?? throw new UsageException($"option --{name} is required");

    public IReadOnlyList<string> Values(string name) => _options.TryGetValue(name, out var values) ? values : [];

    /// <summary>An integer option, null when absent; a usage error when it is not an integer from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public int? Int(string name, int min, int max)
    {
        if (Value(name) is not string text) return null;
        if (!long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long value))
            throw new UsageException($"option --{name} must be an integer, not '{text}'");
        if (value < min || value > max) throw new UsageException($"option --{name} must be between {min:N0} and {max:N0}, not {text}");
        return (int)value;
    }

    /// <summary>Throws for any option the verb does not know (<see cref="Verbose"/> is known to all).</summary>
    public void OnlyAllow(params string[] names)
    {
        if (_probe) throw new AllowedOptionsProbe(names);
        foreach (string name in _options.Keys.Concat(_flags))
            if (!names.Contains(name) && name != Verbose) throw new UsageException($"unknown option --{name} for '{Verb}'");
    }
}

internal sealed class UsageException(string message) : Exception(message);

/// <summary>What <see cref="CommandLine.OnlyAllow"/> throws on a <see cref="CommandLine.Probe"/>: the options the verb takes.</summary>
internal sealed class AllowedOptionsProbe(IReadOnlyList<string> names) : Exception("the options a verb takes")
{
    public IReadOnlyList<string> Names { get; } = names;
}
