using VaeToolkit.Configuration;

namespace VaeToolkit.PowerShell;

/// <summary>Reads a config file the way the training cmdlets take it: -Set overrides, then -Device.</summary>
internal static class TrainingConfigs
{
    /// <exception cref="ConfigException">The file is missing or wrong, or an override is.</exception>
    public static VaeConfig Load(string path, IEnumerable<string> set, string? device)
    {
        var overrides = new List<string>(set);
        if (device is not null) overrides.Add($"device={device}");
        return ConfigLoader.Load(path, overrides);
    }
}
