using Parquet;
using Parquet.Schema;
using VaeToolkit.Data;
using VaeToolkit.Runs;

namespace VaeToolkit.Inference.Batch;

/// <summary>
/// Writes each user's top k as rows <c>user_id, rank, item_id, score, item_name</c> (rank from 1; the name
/// empty, or null in Parquet, when the model has none), as CSV or Parquet.
/// </summary>
internal sealed class RecommendationSink : IBatchSink<TopKResult>
{
    public const string CsvHeader = "user_id,rank,item_id,score,item_name";

    private const int RowGroupRows = 1 << 17;

    private readonly OnnxRecommender recommender;
    private readonly ItemTable items;
    private readonly int k;
    private readonly Utf8CsvBuffer? csv;
    private readonly byte[][]? csvItemIds;
    private readonly byte[][]? csvItemNames;
    private readonly ParquetColumns? parquet;

    public RecommendationSink(OnnxRecommender recommender, ItemTable items, int k, Stream output, OutputFormat format)
    {
        this.recommender = recommender;
        this.items = items;
        this.k = k;
        if (format == OutputFormat.Csv)
        {
            csv = new Utf8CsvBuffer(output);
            csvItemIds = [.. items.Ids.Select(Utf8CsvBuffer.Field)];
            csvItemNames = [.. Enumerable.Range(0, items.Count).Select(i => Utf8CsvBuffer.Field(items.NameOf(i) ?? ""))];
            csv.Append(System.Text.Encoding.UTF8.GetBytes(CsvHeader + "\n"));
        }
        else
        {
            parquet = new ParquetColumns(output);
        }
    }

    public TopKResult Score(CsrMatrix histories) => recommender.Recommend(histories, k);

    public long Write(IReadOnlyList<string> userIds, TopKResult top)
    {
        long rows = 0;
        for (int u = 0; u < userIds.Count; u++)
        {
            var itemIndices = top.Items(u);
            var scores = top.Scores(u);
            if (csv is not null) WriteCsv(userIds[u], itemIndices, scores);
            else parquet!.Add(userIds[u], itemIndices, scores, items);
            rows += itemIndices.Length;
        }
        return rows;
    }

    public void Complete()
    {
        csv?.Flush();
        parquet?.Complete();
    }

    public void Dispose() => parquet?.Dispose();

    private void WriteCsv(string userId, ReadOnlySpan<int> itemIndices, ReadOnlySpan<float> scores)
    {
        byte[] user = Utf8CsvBuffer.Field(userId);
        for (int r = 0; r < itemIndices.Length; r++)
        {
            csv!.Append(user);
            csv.Append((byte)',');
            csv.Append(r + 1);
            csv.Append((byte)',');
            csv.Append(csvItemIds![itemIndices[r]]);
            csv.Append((byte)',');
            csv.Append(scores[r]);
            csv.Append((byte)',');
            csv.Append(csvItemNames![itemIndices[r]]);
            csv.Append((byte)'\n');
        }
    }

    /// <summary>The Parquet output: columns buffered up to a row group, then written.</summary>
    private sealed class ParquetColumns : IDisposable
    {
        private static readonly ParquetSchema Schema = new(
            new DataField<string>("user_id"), new DataField<int>("rank"), new DataField<string>("item_id"),
            new DataField<float>("score"), new DataField<string>("item_name", true));

        private readonly ParquetWriter writer;
        private bool closed;
        private readonly List<string> users = [];
        private readonly List<int> ranks = [];
        private readonly List<string> itemIds = [];
        private readonly List<float> scores = [];
        private readonly List<string?> names = [];

        public ParquetColumns(Stream output) => writer = ParquetWriter.CreateAsync(Schema, output).GetAwaiter().GetResult();

        public void Add(string userId, ReadOnlySpan<int> itemIndices, ReadOnlySpan<float> itemScores, ItemTable items)
        {
            for (int r = 0; r < itemIndices.Length; r++)
            {
                users.Add(userId);
                ranks.Add(r + 1);
                itemIds.Add(items.Ids[itemIndices[r]]);
                scores.Add(itemScores[r]);
                names.Add(items.NameOf(itemIndices[r]));
            }
            if (users.Count >= RowGroupRows) WriteRowGroup();
        }

        public void Complete()
        {
            if (users.Count > 0) WriteRowGroup();
            Dispose();
        }

        /// <summary>Writes the footer (once).</summary>
        public void Dispose()
        {
            if (closed) return;
            closed = true;
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        private void WriteRowGroup()
        {
            WriteRowGroupAsync().GetAwaiter().GetResult();
            users.Clear();
            ranks.Clear();
            itemIds.Clear();
            scores.Clear();
            names.Clear();
        }

        private async Task WriteRowGroupAsync()
        {
            var fields = Schema.DataFields;
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(fields[0], users.ToArray()).ConfigureAwait(false);
            await group.WriteAsync<int>(fields[1], ranks.ToArray()).ConfigureAwait(false);
            await group.WriteAsync(fields[2], itemIds.ToArray()).ConfigureAwait(false);
            await group.WriteAsync<float>(fields[3], scores.ToArray()).ConfigureAwait(false);
            await group.WriteAsync(fields[4], names.ToArray()).ConfigureAwait(false);
        }
    }
}
