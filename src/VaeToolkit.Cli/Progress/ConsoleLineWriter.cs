using System.Text;
using Spectre.Console;

namespace VaeToolkit.Cli.Progress;

/// <summary>
/// A writer whose lines go through a Spectre console, so that messages written while progress bars are
/// shown (a verb's notes, a failed id) appear above the bars instead of breaking them.
/// </summary>
internal sealed class ConsoleLineWriter(IAnsiConsole console) : TextWriter
{
    private readonly StringBuilder pending = new();
    private readonly Lock gate = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (gate)
        {
            if (value == '\n')
            {
                string line = pending.ToString().TrimEnd('\r');
                pending.Clear();
                console.Write(new Text(line));
                console.WriteLine();
            }
            else
            {
                pending.Append(value);
            }
        }
    }

    public override void Write(string? value)
    {
        foreach (char c in value ?? "") Write(c);
    }

    public override void Flush()
    {
        lock (gate)
        {
            if (pending.Length > 0) Write('\n');
        }
    }
}
