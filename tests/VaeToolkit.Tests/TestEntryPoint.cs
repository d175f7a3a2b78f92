using System.Diagnostics.CodeAnalysis;

namespace VaeToolkit.Tests;

/// <summary>
/// The test program's entry point (xunit's generated one is turned off in the project): xunit's own console
/// runner, which <c>build.ps1 test</c> runs, unless Microsoft.Testing.Platform is asked for. An IDE or
/// <c>dotnet test</c> asks with <c>--server</c>; <c>build.ps1 test -Coverage</c> sets
/// <see cref="PlatformVariable"/>, because coverlet.MTP runs the tests in a child process it starts with
/// other arguments, and that process must take the platform's path too.
/// </summary>
[ExcludeFromCodeCoverage]
internal static class TestEntryPoint
{
    public const string PlatformVariable = "VAETOOLKIT_TEST_PLATFORM";

    public static int Main(string[] args)
    {
        bool platform = args.Any(arg => arg is "--server" or "--internal-msbuild-node")
            || Environment.GetEnvironmentVariable(PlatformVariable) == "mtp";
        return platform
            ? Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions).GetAwaiter().GetResult()
            : Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
    }
}
