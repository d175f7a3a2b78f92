using System.Security.Cryptography;

namespace VaeToolkit.Runs;

/// <summary>
/// The SHA-256 of a model directory's files (<see cref="ModelFiles.Hashed"/>), recorded in the model
/// card when the directory is written and checked when it is opened, so that a damaged, truncated or
/// edited file is named before anything is parsed from it.
/// </summary>
public static class ModelFileHashes
{
    /// <summary>The hash of each of <see cref="ModelFiles.Hashed"/> present in <paramref name="directory"/>.</summary>
    public static Dictionary<string, string> Compute(string directory)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in ModelFiles.Hashed)
        {
            string path = Path.Combine(directory, file);
            if (File.Exists(path)) hashes[file] = Sha256(path);
        }
        return hashes;
    }

    /// <summary>Throws <see cref="ModelBundleException"/> naming the first file whose hash is not the one the card records.</summary>
    public static void Verify(string directory, ModelCard card)
    {
        if (card.FileSha256 is null) return; // written before hashes were recorded
        foreach (string file in ModelFiles.Hashed)
        {
            if (!card.FileSha256.TryGetValue(file, out string? expected)) continue;
            string actual;
            try
            {
                actual = Sha256(Path.Combine(directory, file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ModelBundleException(directory, $"'{directory}': cannot read {file}: {e.Message}", inner: e);
            }
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelBundleException(directory,
                    $"'{directory}': {file} does not match the SHA-256 recorded in {ModelFiles.Card} (the file is damaged, truncated or was changed after export)");
            }
        }
    }

    private static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
