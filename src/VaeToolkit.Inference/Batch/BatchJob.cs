using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VaeToolkit.Data.Parsing;
using VaeToolkit.Data.Sources;
using VaeToolkit.IO;
using VaeToolkit.Runs;

namespace VaeToolkit.Inference.Batch;

/// <summary>
/// Scores every user of an interactions file of any size and writes one output file, in memory bounded
/// by a spill bucket and a batch rather than by the input:
/// <list type="number">
/// <item>reading: the input is streamed once; each user's rows, wherever they are in the file, go to a
/// spill file chosen by the hash of the user id (<see cref="UserPartitioner"/>); a shard keeps only its users;</item>
/// <item>scoring: each spill file is read back and grouped (<see cref="SpilledUsers"/>), and its users are
/// scored in batches and written by an <see cref="IBatchSink"/>.</item>
/// </list>
/// The output appears only when complete (written under a temporary name, then renamed), so a failure or
/// Ctrl+C leaves none. A shard (<see cref="ShardSpec"/>) writes <see cref="ShardOutputPath"/> and then
/// a manifest beside it (<c>.success.json</c>: users, rows, the input's and the model's SHA-256); run again
/// with the same input, model and settings, a finished shard does nothing.
/// </summary>
public static class BatchJob
{
    public const int SkippedUsersListed = 100;

    public const string ManifestSuffix = ".success.json";

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>The file shard i of N writes: <c>scores.parquet</c> becomes <c>scores-00003-of-00010.parquet</c>.</summary>
    public static string ShardOutputPath(string outputPath, ShardSpec shard)
    {
        if (shard.IsWhole) return Path.GetFullPath(outputPath);
        string full = Path.GetFullPath(outputPath);
        string name = string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileNameWithoutExtension(full)}-{shard.Index:D5}-of-{shard.Count:D5}{Path.GetExtension(full)}");
        return Path.Combine(Path.GetDirectoryName(full)!, name);
    }

    internal static BatchScoringSummary Run<TScores>(ModelBundle bundle, string kind, string settings, BatchJobOptions options, int batchSize,
        Func<Stream, OutputFormat, IBatchSink<TScores>> sinkFor, IProgress<BatchScoringProgress>? progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        string input = Path.GetFullPath(options.InputPath);
        if (!File.Exists(input)) throw new FileNotFoundException($"interactions file not found: {input}", input);
        string output = ShardOutputPath(options.OutputPath, options.Shard);
        if (string.Equals(input, output, StringComparison.Ordinal))
            throw new ArgumentException($"the output '{output}' would overwrite the input", nameof(options));
        OutputFormat format = OutputFormats.Resolve(output, options.Format);
        string? manifestPath = options.Shard.IsWhole ? null : output + ManifestSuffix;

        string? inputHash = null, modelHash = null;
        if (manifestPath is not null)
        {
            inputHash = Convert.ToHexStringLower(SourceHash.Contents(input, cancellationToken));
            modelHash = ModelHash(bundle);
            if (!options.Force && FinishedShard(manifestPath, output, kind, settings, format, options.Shard, inputHash, modelHash) is { } done)
                return done with { AlreadyDone = true };
        }

        string spillRoot = options.SpillDirectory ?? Path.GetDirectoryName(output)!;
        string spill = Path.Combine(spillRoot, $".vaetoolkit-spill-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(spill);
        try
        {
            int buckets = (int)Math.Clamp((new FileInfo(input).Length + options.BucketInputBytes - 1) / options.BucketInputBytes, 1, 4096);
            using var partitioner = new UserPartitioner(spill, buckets, options.Shard, bundle.Items);
            InteractionStream.Read(input, options.Columns, chunk =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                partitioner.Add(chunk);
                progress?.Report(new BatchScoringProgress("reading", chunk.FractionRead, 0, 0, null));
            }, cancellationToken);
            partitioner.Complete();
            // The reading pass leaves a large heap of dead chunk tables; give its memory back before the
            // scoring pass allocates ONNX Runtime's buffers, so that the peak is one pass's, not both.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

            var scoring = new ScoringPass<TScores>(partitioner, bundle.Items.Count, batchSize, progress);
            AtomicFile.Write(output, stream =>
            {
                using var sink = sinkFor(stream, format);
                scoring.Run(sink, cancellationToken);
            });

            var summary = new BatchScoringSummary
            {
                Kind = kind,
                OutputPath = output,
                Format = format.ToString().ToLowerInvariant(),
                Shard = options.Shard.ToString(),
                ManifestPath = manifestPath,
                InputPath = input,
                InputRows = partitioner.RowsRead,
                ShardRows = partitioner.RowsInShard,
                Users = scoring.Users,
                UsersWritten = scoring.UsersWritten,
                Rows = scoring.Rows,
                UnknownInteractions = partitioner.UnknownInteractions,
                SkippedUserCount = scoring.SkippedUserCount,
                SkippedUsers = scoring.SkippedUsers,
                Seconds = watch.Elapsed.TotalSeconds,
                UsersPerSecond = scoring.UsersWritten / watch.Elapsed.TotalSeconds,
                InputSha256 = inputHash,
                ModelSha256 = modelHash,
                Settings = settings,
                OutputBytes = new FileInfo(output).Length,
            };
            if (manifestPath is not null) AtomicFile.WriteAllText(manifestPath, JsonSerializer.Serialize(summary, JsonOptions));
            return summary;
        }
        finally
        {
            Directory.Delete(spill, recursive: true);
        }
    }

    /// <summary>The summary a finished shard's manifest records, when it matches this run and its output is still there, whole; else null.</summary>
    private static BatchScoringSummary? FinishedShard(string manifestPath, string output, string kind, string settings, OutputFormat format,
        ShardSpec shard, string inputHash, string modelHash)
    {
        if (!File.Exists(manifestPath) || !File.Exists(output)) return null;
        BatchScoringSummary? done;
        try
        {
            done = JsonSerializer.Deserialize<BatchScoringSummary>(File.ReadAllText(manifestPath), JsonOptions);
        }
        catch (JsonException)
        {
            return null; // a damaged manifest proves nothing: the shard runs again
        }
        bool same = done is not null && done.Kind == kind && done.Settings == settings && done.Format == format.ToString().ToLowerInvariant()
            && done.Shard == shard.ToString() && done.InputSha256 == inputHash && done.ModelSha256 == modelHash
            && done.OutputBytes == new FileInfo(output).Length;
        return same ? done : null;
    }

    /// <summary>The model's identity: the SHA-256 of its graphs' hashes (from the model card, which opening the bundle verified).</summary>
    private static string ModelHash(ModelBundle bundle)
    {
        var hashes = bundle.Card.FileSha256 ?? ModelFileHashes.Compute(bundle.Directory); // cards written before hashes were recorded
        var text = new StringBuilder();
        foreach (string file in new[] { ModelFiles.Recommender, ModelFiles.Encoder }.Where(hashes.ContainsKey))
            text.Append(file).Append('=').Append(hashes[file]).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
