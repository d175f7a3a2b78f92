using System.Globalization;

namespace VaeToolkit.Serving.Hosting;

/// <summary>
/// Parses the service's options (<c>--name value</c>). A mistake is a <see cref="ArgumentException"/>
/// naming the option; <see cref="Usage"/> lists them.
/// </summary>
public static class ServerCommandLine
{
    public const string Usage = """
        usage: vaetoolkit serve --model <model, run or deploy folder> [options]
          --urls <url;url>           addresses to listen on (default http://127.0.0.1:8080; port 0: any free port)
          --device <cpu|cuda|cuda:N> ONNX Runtime's device (default cpu)
          --threads <N>              ONNX Runtime's threads (default: every core)
          --spin-wait <on|off>       ONNX Runtime's threads spin between operators (default off)
          --api-key-file <file>      require this key in the X-Api-Key header (or set VAETOOLKIT_API_KEY)
          --max-batch <users>        most users per ONNX Runtime call (default 256)
          --max-wait-ms <ms>         longest wait for a batch to fill (default 2)
          --max-k <k>                largest k a request may ask for (default 1000)
          --max-batch-requests <N>   most users in one batch request (default 1000)
          --max-body-bytes <bytes>   larger request bodies get 413 (default 4194304)
          --reload-poll-seconds <s>  check the model path for a new model this often (default 2; 0: never reload)
          --shutdown-seconds <s>     how long a stop waits for in-flight requests (default 30)
        """;

    public static ServerOptions Parse(IReadOnlyList<string> args, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new ArgumentException($"unexpected argument '{arg}'");
            string name = arg[2..];
            if (name == "verbose") continue; // the CLI's: it changes how failures print
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"--{name} needs a value");
            if (!values.TryAdd(name, args[++i])) throw new ArgumentException($"--{name} is given twice");
        }

        var options = new ServerOptions { ModelPath = Take(values, "model") ?? throw new ArgumentException("--model is required") };
        options = options with
        {
            Urls = Take(values, "urls") ?? options.Urls,
            Device = Take(values, "device") ?? options.Device,
            Threads = Int(values, "threads", 0, 1024) ?? options.Threads,
            MaxBatchUsers = Int(values, "max-batch", 1, 100_000) ?? options.MaxBatchUsers,
            MaxBatchWait = Int(values, "max-wait-ms", 0, 1000) is int wait ? TimeSpan.FromMilliseconds(wait) : options.MaxBatchWait,
            MaxK = Int(values, "max-k", 1, 1_000_000) ?? options.MaxK,
            MaxBatchRequests = Int(values, "max-batch-requests", 1, 1_000_000) ?? options.MaxBatchRequests,
            MaxBodyBytes = Int(values, "max-body-bytes", 1024, int.MaxValue) ?? options.MaxBodyBytes,
            ReloadPollInterval = Int(values, "reload-poll-seconds", 0, 86_400) is int poll ? TimeSpan.FromSeconds(poll) : options.ReloadPollInterval,
            ShutdownTimeout = Int(values, "shutdown-seconds", 0, 3600) is int stop ? TimeSpan.FromSeconds(stop) : options.ShutdownTimeout,
            SpinWait = Take(values, "spin-wait") switch
            {
                null => options.SpinWait,
                "on" => true,
                "off" => false,
                string other => throw new ArgumentException($"--spin-wait must be on or off, not '{other}'"),
            },
            ApiKey = ApiKey(Take(values, "api-key-file"), environment),
        };
        if (values.Count > 0) throw new ArgumentException($"unknown option --{values.Keys.First()}");
        return options;
    }

    private static string? Take(Dictionary<string, string> values, string name) =>
        values.Remove(name, out string? value) ? value : null;

    private static int? Int(Dictionary<string, string> values, string name, int min, int max)
    {
        if (Take(values, name) is not string text) return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw new ArgumentException($"--{name} must be a whole number from {min} to {max}, not '{text}'");
        return value;
    }

    /// <summary>The key from a file (first line, trimmed) or from <see cref="ServerOptions.ApiKeyVariable"/>; a key on the command line would show in process listings.</summary>
    private static string? ApiKey(string? file, Func<string, string?> environment)
    {
        string? key;
        if (file is not null)
        {
            try
            {
                key = File.ReadLines(file).FirstOrDefault()?.Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"--api-key-file '{file}' cannot be read: {e.Message}", e);
            }
            if (string.IsNullOrEmpty(key)) throw new ArgumentException($"--api-key-file '{file}' holds no key on its first line");
            return key;
        }
        key = environment(ServerOptions.ApiKeyVariable)?.Trim();
        return string.IsNullOrEmpty(key) ? null : key;
    }
}
