using System.Globalization;

namespace VaeToolkit.Configuration;

/// <summary>Values as <see cref="ConfigWriter"/> writes them, so that <see cref="ConfigLoader"/> reads them back to the same values.</summary>
public static class YamlValues
{
    /// <summary>A number in its shortest round-tripping form, or <c>null</c>.</summary>
    public static string Number(double? value) => value is double v ? v.ToString("R", CultureInfo.InvariantCulture) : "null";

    /// <summary>A single-quoted string, or <c>null</c>.</summary>
    public static string Text(string? value) =>
        value is null ? "null" : "'" + value.Replace("'", "''") + "'";

    /// <summary>A flow list of numbers: <c>[50, 100, 200]</c>.</summary>
    public static string List(IEnumerable<double> values) => $"[{string.Join(", ", values.Select(v => Number(v)))}]";

    /// <summary>A flow list of integers: <c>[600, 200]</c>.</summary>
    public static string List(IEnumerable<int> values) => $"[{string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)))}]";
}
