using VaeToolkit.Configuration;

namespace VaeToolkit.PowerShell;

/// <summary>Reads a config file the way the training cmdlets take it: -Set overrides, then -Device, -Precision and -Gpus.</summary>
internal static class TrainingConfigs
{
    /// <exception cref="ConfigException">The file is missing or wrong, or an override is.</exception>
    public static VaeConfig Load(string path, IEnumerable<string> set, string? device, string? precision, int? gpus)
    {
        var overrides = new List<string>(set);
        if (device is not null) overrides.Add($"device={device}");
        if (precision is not null) overrides.Add($"precision={precision}");
        if (gpus is not null) overrides.Add($"gpus={gpus}");
        return ConfigLoader.Load(path, overrides);
    }
}
