using VaeToolkit.Serving.Hosting;
using VaeToolkit.Tests.Cli;

namespace VaeToolkit.Tests.Serving;

/// <summary>The service's options, parsed alone and through `vaetoolkit serve`.</summary>
public sealed class ServerCommandLineTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void Parse_ReadsEveryOption()
    {
        using var directory = new TemporaryDirectory();
        string keyFile = directory.Combine("key");
        File.WriteAllText(keyFile, "  abc123  \nignored\n");

        var options = ServerCommandLine.Parse(
            ["--model", "m", "--urls", "http://0.0.0.0:9000", "--device", "cuda:1", "--threads", "3", "--spin-wait", "on", "--max-batch", "64",
             "--max-wait-ms", "5", "--max-k", "200", "--max-batch-requests", "50", "--max-body-bytes", "2048", "--reload-poll-seconds", "0",
             "--shutdown-seconds", "7", "--api-key-file", keyFile], NoEnvironment);

        Assert.Equal(new ServerOptions
        {
            ModelPath = "m", Urls = "http://0.0.0.0:9000", Device = "cuda:1", Threads = 3, SpinWait = true, MaxBatchUsers = 64,
            MaxBatchWait = TimeSpan.FromMilliseconds(5), MaxK = 200, MaxBatchRequests = 50, MaxBodyBytes = 2048,
            ReloadPollInterval = TimeSpan.Zero, ShutdownTimeout = TimeSpan.FromSeconds(7), ApiKey = "abc123",
        }, options);
    }

    [Fact]
    public void Parse_TakesTheApiKeyFromTheEnvironment_AndDefaultsToLoopback()
    {
        var options = ServerCommandLine.Parse(["--model", "m"], name => name == ServerOptions.ApiKeyVariable ? " k " : null);

        Assert.Equal("k", options.ApiKey);
        Assert.Equal("http://127.0.0.1:8080", options.Urls);
        Assert.False(options.SpinWait);
    }

    [Theory]
    [InlineData(new[] { "--urls", "http://127.0.0.1:1" }, "--model is required")]
    [InlineData(new[] { "--model", "m", "--max-k", "0" }, "--max-k must be a whole number from 1")]
    [InlineData(new[] { "--model", "m", "--max-k", "ten" }, "--max-k must be a whole number")]
    [InlineData(new[] { "--model", "m", "--spin-wait", "yes" }, "--spin-wait must be on or off")]
    [InlineData(new[] { "--model", "m", "--colour", "red" }, "unknown option --colour")]
    [InlineData(new[] { "--model", "m", "--model", "n" }, "--model is given twice")]
    [InlineData(new[] { "--model" }, "--model needs a value")]
    [InlineData(new[] { "--model", "m", "extra" }, "unexpected argument 'extra'")]
    [InlineData(new[] { "--model", "m", "--api-key-file", "/nonexistent/key" }, "cannot be read")]
    public void Parse_NamesTheBadOption(string[] args, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => ServerCommandLine.Parse(args, NoEnvironment));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Serve_Help_ListsTheOptions()
    {
        var (exitCode, _, error) = CliRunner.Run("serve", "--help");

        Assert.Equal(0, exitCode);
        foreach (string option in new[] { "--model", "--urls", "--device", "--api-key-file", "--max-batch", "--max-wait-ms", "--reload-poll-seconds", "--spin-wait" })
            Assert.Contains(option, error);
    }

    [Fact]
    public void Serve_WithABadOption_IsAUsageError()
    {
        var (exitCode, output, error) = CliRunner.Run("serve", "--model", "m", "--max-k", "-1");

        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Contains("--max-k", error);
        Assert.Contains("usage: vaetoolkit serve", error);
    }

    [Fact]
    public void Serve_OnAMissingModel_PrintsWhereItListened_ThenFailsWithTheReason()
    {
        using var directory = new TemporaryDirectory();
        string missing = directory.Combine("no-model");

        var (exitCode, output, error) = CliRunner.Run("serve", "--model", missing, "--urls", "http://127.0.0.1:0");

        Assert.Equal(1, exitCode);
        Assert.Contains("\"urls\"", output);
        Assert.Contains($"model directory '{missing}' does not exist", error);
    }
}
