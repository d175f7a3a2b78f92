namespace VaeToolkit.Configuration;

/// <summary>
/// A configuration error that points at the file, line and column it comes from, formatted like a
/// compiler message: <c>ml20m.yaml(12,3): error VAE0101: unknown key 'lerning_rate'</c>.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string code, string message, string? file = null, long line = 0, long column = 0, Exception? inner = null)
        : base(Format(code, message, file, line, column), inner)
    {
        Code = code;
        Reason = message;
        File = file;
        Line = line;
        Column = column;
    }

    /// <summary>A stable error id such as VAE0101 (see <see cref="ConfigErrorCodes"/>).</summary>
    public string Code { get; }

    /// <summary>The message without the location prefix.</summary>
    public string Reason { get; }

    public string? File { get; }

    public long Line { get; }

    public long Column { get; }

    private static string Format(string code, string message, string? file, long line, long column)
    {
        string where = file is null ? "" : line > 0 ? $"{Path.GetFileName(file)}({line},{column}): " : $"{file}: ";
        return $"{where}error {code}: {message}";
    }
}
