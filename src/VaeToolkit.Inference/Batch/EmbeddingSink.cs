using System.Globalization;
using Parquet;
using Parquet.Schema;
using VaeToolkit.Data;

namespace VaeToolkit.Inference.Batch;

/// <summary>
/// Writes each user's latent mean (the encoder graph's output) as one row <c>user_id, mu_0 .. mu_{d-1}</c>,
/// as CSV or Parquet (one float column per dimension), for nearest-neighbour systems downstream.
/// </summary>
internal sealed class EmbeddingSink : IBatchSink<float[][]>
{
    private readonly OnnxRecommender recommender;
    private readonly Utf8CsvBuffer? csv;
    private readonly Stream output;
    private readonly ParquetSchema? schema;
    private ParquetWriter? parquet;

    public EmbeddingSink(OnnxRecommender recommender, Stream output, OutputFormat format)
    {
        this.recommender = recommender;
        this.output = output;
        int latentDim = recommender.LatentDim ?? throw recommender.NoEncoder();
        string[] columns = [.. Enumerable.Range(0, latentDim).Select(d => string.Create(CultureInfo.InvariantCulture, $"mu_{d}"))];
        if (format == OutputFormat.Csv)
        {
            csv = new Utf8CsvBuffer(output);
            csv.Append(System.Text.Encoding.UTF8.GetBytes($"user_id,{string.Join(',', columns)}\n"));
        }
        else
        {
            schema = new ParquetSchema([new DataField<string>("user_id"), .. columns.Select(name => new DataField<float>(name))]);
        }
    }

    public float[][] Score(CsrMatrix histories) => recommender.Encode(histories);

    public long Write(IReadOnlyList<string> userIds, float[][] means)
    {
        if (csv is not null)
        {
            for (int u = 0; u < means.Length; u++)
            {
                csv.Append(Utf8CsvBuffer.Field(userIds[u]));
                foreach (float value in means[u])
                {
                    csv.Append((byte)',');
                    csv.Append(value);
                }
                csv.Append((byte)'\n');
            }
        }
        else
        {
            WriteRowGroupAsync(userIds, means).GetAwaiter().GetResult();
        }
        return means.Length;
    }

    public void Complete()
    {
        csv?.Flush();
        // A Parquet file with no user still needs its schema and footer.
        if (schema is not null) parquet ??= ParquetWriter.CreateAsync(schema, output).GetAwaiter().GetResult();
        Dispose();
    }

    public void Dispose()
    {
        parquet?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        parquet = null;
    }

    /// <summary>One row group per batch: a batch is at least hundreds of users, so groups stay large enough.</summary>
    private async Task WriteRowGroupAsync(IReadOnlyList<string> userIds, float[][] means)
    {
        parquet ??= await ParquetWriter.CreateAsync(schema!, output).ConfigureAwait(false);
        var fields = schema!.DataFields;
        using var group = parquet.CreateRowGroup();
        await group.WriteAsync(fields[0], userIds.ToArray()).ConfigureAwait(false);
        for (int d = 0; d < fields.Length - 1; d++)
            await group.WriteAsync<float>(fields[d + 1], means.Select(mean => mean[d]).ToArray()).ConfigureAwait(false);
    }
}
