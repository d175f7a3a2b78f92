using VaeToolkit.Inference;
using VaeToolkit.Runs;

namespace VaeToolkit.Tests.Inference;

/// <summary>
/// A model served through a symbolic link (scripts/Update-VaeModel.ps1's <c>current</c>, switched to a
/// new version folder by a rename): opening it reads every file from the one version the link named
/// when the opening began, not some files from the version after a switch.
/// </summary>
public sealed class ServingLinkTests
{
    [Fact]
    public void Open_ThroughALink_ReadsTheVersionFolderItNames()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "creating a symbolic link needs a privilege on Windows");
        using var model = TestModel.Create();
        string link = model.Root.Combine("current");
        Directory.CreateSymbolicLink(link, RunFiles.ModelFolder); // relative, as the script makes it

        Assert.Equal(model.ModelDirectory, ModelBundle.ResolveDirectory(link));
        Assert.Equal(model.ModelDirectory, ModelBundle.Open(link).Directory);
        using (var recommender = OnnxRecommender.Open(link)) Assert.Equal(model.ModelDirectory, recommender.ModelDirectory);
        using var service = RecommendationService.Open(link);
        Assert.Equal(model.ModelDirectory, service.Bundle.Directory);

        // Switched away after the opening: the service keeps serving the version it opened.
        Directory.Delete(link);
        Directory.CreateSymbolicLink(link, "elsewhere");
        Assert.True(service.RecommendForUsers(["u1"], k: 3, TestContext.Current.CancellationToken)[0].Succeeded);
    }

    [Fact]
    public void Open_ADanglingLink_SaysTheDirectoryDoesNotExist()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "creating a symbolic link needs a privilege on Windows");
        using var root = new TemporaryDirectory();
        string link = root.Combine("current");
        Directory.CreateSymbolicLink(link, "versions/gone");

        var error = Assert.Throws<ModelBundleException>(() => ModelBundle.Open(link));
        Assert.Contains("does not exist", error.Message);
    }
}
