using VaeToolkit.Configuration;
using VaeToolkit.Training;
using VaeToolkit.Training.Models;

namespace VaeToolkit.Tests.Configuration;

/// <summary>export.precision: read, checked, written back, and left out of what a resumed run must match.</summary>
public sealed class ExportConfigTests
{
    [Fact]
    public void Default_IsFp32()
    {
        Assert.Equal(ExportPrecisions.Fp32, ModelRegistry.ConfigLoader.Defaults.Export.Precision);
        Assert.Equal(ExportPrecisions.Fp32, ModelRegistry.ConfigLoader.Parse("export:\n", "x.yaml").Export.Precision);
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("fp16")]
    [InlineData("bf16")]
    [InlineData("int8")]
    public void EveryPrecision_IsReadAndWrittenBack(string precision)
    {
        var config = ModelRegistry.ConfigLoader.Parse($"export:\n  precision: {precision}\n", "x.yaml");
        var overridden = ModelRegistry.ConfigLoader.Parse("", "x.yaml", [$"export.precision={precision}"]);
        var again = ModelRegistry.ConfigLoader.Parse(ConfigWriter.ToYaml(config), "resolved.yaml");

        Assert.Equal(precision, config.Export.Precision);
        Assert.Equal(precision, overridden.Export.Precision);
        Assert.Equal(config.Export, again.Export);
    }

    [Theory]
    [InlineData("export:\n  precision: fp8\n", "bad.yaml(2,14): error VAE0104: 'export.precision' must be one of fp32, fp16, bf16, int8, not 'fp8'")]
    [InlineData("export:\n  precision: FP16\n", "bad.yaml(2,14): error VAE0104: 'export.precision' must be one of fp32, fp16, bf16, int8, not 'FP16'")]
    [InlineData("export:\n  precison: int8\n", "bad.yaml(2,3): error VAE0101: unknown key 'export.precison' (did you mean 'precision'?)")]
    [InlineData("export: int8\n", "bad.yaml(1,9): error VAE0103: 'export' must be a mapping of keys")]
    public void BadValues_NameTheSetting(string yaml, string message)
    {
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse(yaml, "/configs/bad.yaml"));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void BadOverride_NamesTheSetting()
    {
        var error = Assert.Throws<ConfigException>(() => ModelRegistry.ConfigLoader.Parse("", "/configs/x.yaml", ["export.precision=int4"]));

        Assert.Equal(ConfigErrorCodes.OutOfRange, error.Code);
        Assert.EndsWith("'export.precision' must be one of fp32, fp16, bf16, int8, not 'int4', in an override", error.Message);
    }

    /// <summary>
    /// The export settings change only the ONNX files written at the end, so a resumed run may change them; and
    /// the settings a checkpoint records are the text written before the export section existed, so the
    /// checkpoints of earlier runs still resume (the hash below is the default config's from before).
    /// </summary>
    [Fact]
    public void ResumeKey_IgnoresTheExportSettings_AndIsTheSameAsBefore()
    {
        var defaults = ModelRegistry.ConfigLoader.Defaults;

        Assert.Equal(Trainer.ResumeKey(defaults), Trainer.ResumeKey(defaults with { Export = new ExportConfig { Precision = ExportPrecisions.Int8 } }));
        Assert.Equal("2E2E4F8A323F5B649F0F04C2EE69DA7E10E3118D446707CBD9C88CA248681DB5", Trainer.ResumeKey(defaults));
        Assert.NotEqual(Trainer.ResumeKey(defaults), Trainer.ResumeKey(defaults with { Seed = 1 }));
        Assert.DoesNotContain("export", ConfigWriter.ToYamlWithoutExport(defaults));
        Assert.Contains("export:\n  precision: fp32", ConfigWriter.ToYaml(defaults).ReplaceLineEndings("\n"));
    }
}
