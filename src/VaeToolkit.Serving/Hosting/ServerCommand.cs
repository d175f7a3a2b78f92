using System.Text.Json;

namespace VaeToolkit.Serving.Hosting;

/// <summary>
/// <c>vaetoolkit serve</c> and <c>vaetoolkit-serve</c>: starts the service, prints one JSON line on standard
/// output once it listens (<c>{"urls": [...], "model": ..., "pid": ...}</c>, for scripts that start it on
/// port 0), logs on standard error, and runs until SIGTERM or Ctrl+C, which drain in-flight requests.
/// Exit codes: 0 stopped, 1 the model could not be served, 2 usage.
/// </summary>
public static class ServerCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ServerOptions options;
        try
        {
            options = ServerCommandLine.Parse(args);
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"vaetoolkit serve: {e.Message}");
            error.WriteLine(ServerCommandLine.Usage);
            return 2;
        }

        VaeServer server;
        try
        {
            server = await VaeServer.StartAsync(options, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or FormatException)
        {
            error.WriteLine($"vaetoolkit serve: error: cannot listen on {options.Urls}: {e.Message}");
            return 1;
        }
        await using (server)
        {
            output.WriteLine(JsonSerializer.Serialize(new { urls = server.Urls, model = Path.GetFullPath(options.ModelPath), pid = Environment.ProcessId }));
            output.Flush();
            await server.WaitForShutdownAsync(cancellationToken);
            if (server.Reloader.StartupError is { } startup)
            {
                error.WriteLine($"vaetoolkit serve: error: {startup.Message}");
                return 1;
            }
        }
        return 0;
    }
}
