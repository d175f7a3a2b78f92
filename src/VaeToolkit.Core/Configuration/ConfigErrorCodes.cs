namespace VaeToolkit.Configuration;

/// <summary>The error ids a configuration file can produce.</summary>
public static class ConfigErrorCodes
{
    public const string UnknownKey = "VAE0101";
    public const string DuplicateKey = "VAE0102";
    public const string WrongType = "VAE0103";
    public const string OutOfRange = "VAE0104";
    public const string MalformedYaml = "VAE0105";
    public const string MissingFile = "VAE0106";
    public const string BadOverride = "VAE0107";
}
