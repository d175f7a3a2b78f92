using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace VaeToolkit.PowerShell.Completion;

/// <summary>
/// Completes <c>-Device</c>: cpu, and cuda and cuda:N for the GPUs <see cref="VisibleGpus"/> counts
/// without loading a GPU library.
/// </summary>
public sealed class DeviceCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string word = CompletionWord.Unquote(wordToComplete);
        var devices = new List<(string Name, string Tip)> { ("cpu", "cpu (the processor)") };
        int gpus = VisibleGpus.Count();
        if (gpus > 0)
        {
            devices.Add(("cuda", "cuda (the first visible GPU)"));
            for (int index = 0; index < gpus; index++) devices.Add(($"cuda:{index}", $"cuda:{index} (visible GPU {index})"));
        }
        return devices.Where(device => device.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(device => new CompletionResult(device.Name, device.Name, CompletionResultType.ParameterValue, device.Tip))
            .ToList();
    }
}
