using System.Management.Automation;
using VaeToolkit.Inference.Batch;

namespace VaeToolkit.PowerShell;

/// <summary>
/// Get-VaeUserEmbedding: writes the latent mean (the encoder graph's output) of every user of an
/// interactions file to CSV or Parquet (<c>user_id, mu_0 .. mu_{d-1}</c>), streamed and sharded as
/// Get-VaeRecommendation -InputPath, for nearest-neighbour systems downstream.
/// </summary>
[Cmdlet(VerbsCommon.Get, "VaeUserEmbedding", DefaultParameterSetName = FileSet, SupportsShouldProcess = true)]
[OutputType(typeof(BatchScoringSummary))]
public sealed class GetVaeUserEmbeddingCommand : ModelFileCommandBase
{
    protected override void ProcessRecord() =>
        RunFileJob("user embeddings", (options, progress, token) => Service.EmbedFile(options, progress, token));
}
