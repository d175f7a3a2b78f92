namespace VaeToolkit.Orchestration.Sweeps;

/// <summary>One setting of a trial: an override key and the value it takes.</summary>
public sealed record SweepSetting(string Key, string Value)
{
    /// <summary>The override as <c>-Set</c> and <c>--set</c> take it.</summary>
    public string Override => $"{Key}={Value}";
}
