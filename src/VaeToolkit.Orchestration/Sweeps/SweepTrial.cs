using System.Text;

namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>
/// One trial of a sweep: its settings and the name of its run folder under the sweep folder, which is
/// its number followed by its settings (<c>003-lam=0.01-dropout=0.5</c>): stable for a given plan, and
/// readable in a listing.
/// </summary>
/// <param name="Index">1-based position in the plan.</param>
public sealed record SweepTrial(int Index, string Name, IReadOnlyList<SweepSetting> Settings)
{
    private const int MaxNameLength = 100;

    /// <summary>The settings as config overrides, in the plan's key order.</summary>
    public IEnumerable<string> Overrides => Settings.Select(setting => setting.Override);

    /// <summary>The trial with its run folder's name made from its number and settings.</summary>
    /// <param name="count">Trials in the plan: the number is padded to as many digits (at least 3), so folders list in order.</param>
    public static SweepTrial Create(int index, int count, IReadOnlyList<SweepSetting> settings)
    {
        var name = new StringBuilder(index.ToString($"D{Math.Max(3, count.ToString().Length)}", System.Globalization.CultureInfo.InvariantCulture));
        foreach (var setting in settings)
        {
            // The key's last part, unless another key of the trial ends the same way (model.dropout, x.dropout).
            string leaf = setting.Key[(setting.Key.LastIndexOf('.') + 1)..];
            string label = settings.Count(other => other.Key.EndsWith("." + leaf, StringComparison.Ordinal) || other.Key == leaf) > 1 ? setting.Key : leaf;
            name.Append('-').Append(Safe(label)).Append('=').Append(Safe(setting.Value));
        }
        string text = name.ToString();
        return new SweepTrial(index, text.Length > MaxNameLength ? text[..MaxNameLength] : text, settings);
    }

    /// <summary>Letters, digits and <c>. _ + -</c> kept; anything a file system or a shell might mind becomes '_'.</summary>
    private static string Safe(string text) =>
        string.Concat(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '-' ? c : '_'));
}
