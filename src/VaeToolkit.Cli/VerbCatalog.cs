using System.Text;
using VaeToolkit.Cli.Help;
using VaeToolkit.Configuration;
using VaeToolkit.Serving.Hosting;

namespace VaeToolkit.Cli;

/// <summary>
/// Every verb of the console program, in the order the help lists them: what runs it and its help.
/// A new verb is one entry here (its method in <see cref="Verbs"/>); a test checks that its help has an
/// example and documents exactly the options its <see cref="CommandLine.OnlyAllow"/> accepts.
/// </summary>
internal static class VerbCatalog
{
    private const string Devices = "cpu, cuda or cuda:N";

    /// <summary>The help of a users-per-call option whose default is sized for the GPU on CUDA (<see cref="ScoringBatchSize"/>).</summary>
    private static string GpuSizedDefault(int cpu) =>
        $"users per ONNX Runtime call (default {cpu} on the CPU; on CUDA about 1 GiB of scores, 13,349 users at 20,108 items)";

    private static readonly OptionHelp[] BatchOptions =
    [
        new("input", "csv|tsv|parquet", "the interactions file: one row per (user, item); rows of a user need not be adjacent"),
        new("output", "csv|parquet", "the file to write (to a temporary name, renamed when complete)"),
        new("format", "csv|parquet", "the output's format (default: from --output's extension)"),
        new("user-column", "C", "the input's user column: a header name or a 0-based index (default 0)"),
        new("item-column", "C", "the input's item column: a header name or a 0-based index (default 1)"),
        new("delimiter", "D", "the input's delimiter, escapes such as \\t allowed (default: a tab for .tsv, else a comma)"),
        new("shard", "i/N | auto/N | auto", "score only shard i of N (users hashed), for one of N machines; auto takes the first free one"),
        new("force", null, "replace an existing output"),
        new("spill-dir", "dir", "where the input's grouping spills when it does not fit in memory (default: beside the output)"),
    ];

    public static readonly IReadOnlyList<VerbEntry> All =
    [
        new("train", new VerbHelp(
            "train a model, export its best epoch to ONNX and evaluate its test users",
            ["--config <yaml> [--output <run dir>] [--resume] [--device D] [--precision P] [--gpus N] [--set key=value]..."],
            "Trains the model a configuration describes (Mult-VAE, Mult-DAE, EASE or RecVAE), keeps the epoch with the best "
            + "validation NDCG@100, exports it to ONNX and evaluates the test users with ONNX Runtime. Prints the run "
            + "(its folders and metrics) as JSON; each epoch's loss and validation NDCG@100 go to standard error (a "
            + "progress bar with the time left on a terminal). Ctrl+C stops after the current batch and keeps the last checkpoint.",
            [
                new("config", "yaml", "the experiment: data, model and training settings (required)"),
                new("output", "run dir", "the run folder (default runs/<config name>-<time>)"),
                new("resume", null, "go on from the run folder's last checkpoint"),
                new("device", "D", $"where to train: {Devices} (overrides the config's device)"),
                new("precision", "P", $"{string.Join(", ", Precisions.All)} (overrides the config's precision)"),
                new("gpus", "N", "train data-parallel on N GPUs (overrides the config's gpus)"),
                new("set", "key=value", "override one config key, e.g. training.epochs=10; repeat for more"),
            ],
            [
                "vaetoolkit train --config configs/quickstart.yaml --output runs/qs",
                "vaetoolkit train --config configs/ml-latest-small.yaml --set model.type=ease --set training.epochs=50",
                "vaetoolkit train --config configs/ml-latest-small.yaml --output runs/mls --resume --set training.epochs=150",
            ]),
            (verbs, line, token) => (verbs.Train(line, token), true), ShowsProgress: true),

        new("test", new VerbHelp(
            "evaluate a model's test users through ONNX Runtime, beside popularity and EASE",
            ["--model <run or model dir> [--device D] [--batch-size N] [--no-baseline] [--metric precision@10,mrr@100]..."],
            "Scores the model's test users with ONNX Runtime and prints NDCG@100, Recall@20 and Recall@50 as JSON, beside "
            + "the popularity ranking and an EASE baseline fitted on the model's own training users (skipped above "
            + "10,000 items on the CPU, when memory is short, or for an EASE model, with the reason on standard error).",
            [
                new("model", "run or model dir", "the run folder or its model folder (required)"),
                new("device", "D", $"ONNX Runtime's device: {Devices} (default cpu)"),
                new("batch-size", "N", GpuSizedDefault(1000)),
                new("no-baseline", null, "skip the EASE baseline"),
                new("metric", "metric@k,...", "the metrics to report, such as precision@10,mrr@100 (repeatable; default: the run's evaluation.metrics)"),
            ],
            [
                "vaetoolkit test --model runs/qs",
                "vaetoolkit test --model runs/qs/model --device cuda --no-baseline",
                "vaetoolkit test --model runs/qs --metric precision@10,mrr@100",
            ]),
            (verbs, line, _) => (verbs.Test(line), true), ShowsProgress: true),

        new("compare", new VerbHelp(
            "runs on the same data side by side, best NDCG@100 first",
            ["<run dir> <run dir>... [--json]"],
            "Puts training runs on the same data and split side by side: NDCG@100, Recall@20 and Recall@50 of each "
            + "run's test evaluation (as its manifest.json recorded it), training and total time, model size, model "
            + "type and best epoch, best NDCG@100 first, with the popularity baseline once. Takes run directories, a "
            + "run's model folder, or a model directory without a run (its test users are then scored on the CPU). "
            + "Runs on other data or another split (data set, data hash, item or test user counts; the data hash covers "
            + "the split settings and the seed) are refused with exit code 1, as is a run without a test evaluation.",
            [new("json", null, "print the comparison as one JSON object instead of a table")],
            [
                "vaetoolkit compare runs/qs runs/qs-dae",
                "vaetoolkit compare runs/compare-models/seed-1/* --json",
            ]),
            (verbs, line, token) => (verbs.Compare(line, token), true)),

        new("sweep", new VerbHelp(
            "train a grid or a random search of settings, one run folder per trial",
            ["--config <yaml> --output <sweep dir> (--grid key=v1,v2... | --samples N [--seed S] [--range key=min:max[:log]]...) [--parallel N] [--set key=value]..."],
            "Trains one run per trial: every combination of the --grid values, or with --samples N a random search over "
            + "the --grid choices and --range ranges. Each trial is a run folder under --output; finished trials are not "
            + "run again, so the same command resumes a stopped sweep. Prints the results table (sweep.json), best "
            + "validation NDCG@100 first; a line per finished trial goes to standard error; exit code 3 when a trial failed.",
            [
                new("config", "yaml", "the experiment every trial starts from (required)"),
                new("output", "sweep dir", "the sweep's folder, one run folder per trial (required)"),
                new("grid", "key=v1,v2", "a config key and its values; repeat for more keys"),
                new("samples", "N", "draw N random trials instead of the whole grid"),
                new("seed", "S", "the random search's seed (default 1; with --samples)"),
                new("range", "key=min:max[:log]", "a range to draw from (with --samples); whole-number bounds draw whole numbers"),
                new("parallel", "N", "trials trained at once (default 1)"),
                new("set", "key=value", "override one config key in every trial; repeat for more"),
                new("device", "D", $"where to train: {Devices} (overrides the config's device)"),
                new("precision", "P", $"{string.Join(", ", Precisions.All)} (overrides the config's precision)"),
                new("gpus", "N", "train each trial data-parallel on N GPUs"),
            ],
            [
                "vaetoolkit sweep --config configs/quickstart.yaml --output runs/sweep --grid training.lam=0,0.01 --grid model.dropout=0.3,0.5",
                "vaetoolkit sweep --config configs/quickstart.yaml --output runs/random --samples 8 --seed 2 --range training.learning_rate=0.0001:0.01:log",
            ])
            { ExitCodes = "0 done, 1 error, 2 usage, 3 some trials failed, 130 stopped" },
            (verbs, line, token) => (SweepVerb.Run(line, verbs.Error, token, out bool allDone), allDone)),

        new("report", new VerbHelp(
            "write a run's report (report.md, curves.png) again and print it",
            ["--run <run dir> [--open] [--json]"],
            "Writes the run's report again (report.md and curves.png in the run folder: config, data set statistics, "
            + "training curves, test metrics against the baselines, timings) and prints its Markdown.",
            [
                new("run", "run dir", "the run folder (required)"),
                new("open", null, "also open report.md with the system's default app"),
                new("json", null, "print the files' paths and the Markdown as one JSON object"),
            ],
            [
                "vaetoolkit report --run runs/qs",
                "vaetoolkit report --run runs/qs --json",
            ]),
            (verbs, line, _) => (verbs.Report(line), true)),

        new("prepare", new VerbHelp(
            "prepare a data set (split, cached) and print its statistics",
            ["(--dataset NAME | --config <yaml>) [--source <file or folder>] [--force] [--cache <dir>] [--set key=value]..."],
            "Reads a data set, keeps the positives, splits the users into training, validation and test users as "
            + "training will, and stores the result in the prepared-data cache (a later training loads it from there). "
            + "Prints the report (users, items, interactions, the cache file) as JSON.",
            [
                new("dataset", "NAME", $"a known data set: {string.Join(", ", KnownDatasets.All)}"),
                new("config", "yaml", "take the data section (and seed) of this config"),
                new("source", "file or folder", "where the data set's files are (default: downloaded into the download cache)"),
                new("force", null, "prepare again even when the cache holds the result"),
                new("cache", "dir", "the prepared-data cache (default ~/.cache/vaetoolkit/prepared)"),
                new("set", "key=value", "override one config key, e.g. data.heldout_users=500; repeat for more"),
            ],
            [
                "vaetoolkit prepare --dataset ml-latest-small",
                "vaetoolkit prepare --dataset netflix --source /data/netflix/training_set --force",
                "vaetoolkit prepare --config configs/ml-latest-small.yaml --set seed=2",
            ]),
            (verbs, line, token) => (verbs.Prepare(line, token), true), ShowsProgress: true),

        new("generate-ratings", new VerbHelp(
            "write a synthetic MovieLens ratings.csv (ML-20M's size unless told)",
            ["--output <ratings.csv> [--rows N] [--users N] [--movies N] [--seed S]"],
            "Writes a MovieLens-format ratings.csv of synthetic ratings, to measure data preparation at scale without "
            + "downloading ML-20M. Prints what it wrote as JSON.",
            [
                new("output", "ratings.csv", "the file to write (required)"),
                new("rows", "N", "ratings to write (default 20,000,263, ML-20M's count)"),
                new("users", "N", "distinct users (default 138,493)"),
                new("movies", "N", "distinct movies (default 26,744)"),
                new("seed", "S", "the random seed (default 1)"),
            ],
            [
                "vaetoolkit generate-ratings --output /tmp/ratings.csv",
                "vaetoolkit generate-ratings --output /tmp/small.csv --rows 100000 --users 1000 --movies 500 --seed 7",
            ]),
            (verbs, line, token) => (verbs.GenerateRatings(line, token), true)),

        new("prepare-benchmark", new VerbHelp(
            "time preparing a ratings file from scratch and then from the cache",
            ["--source <ratings.csv> [--cache <dir>]"],
            "Prepares a MovieLens-format ratings file twice, from scratch and then from the prepared-data cache, and "
            + "prints both times and the memory used as JSON.",
            [
                new("source", "ratings.csv", "the ratings file (required)"),
                new("cache", "dir", "the cache to use (default prepared-cache beside the source)"),
            ],
            ["vaetoolkit prepare-benchmark --source /tmp/ratings.csv"]),
            (verbs, line, token) => (verbs.PrepareBenchmark(line, token), true)),

        new("recommend", new VerbHelp(
            "recommend items for known users, for one history, or for a whole file",
            [
                "--model <dir> (--user <id>... | --items <id,id,...>) [--top N] [--include-seen] [--device D]",
                "--model <dir> --input <csv|tsv|parquet> --output <csv|parquet> [--top N] [batch options]",
            ],
            "The top N items for each --user (a user of the model's data), for one ad-hoc history (--items), or for "
            + "every user of an interactions file (--input, written to --output; users done, users/s and the time left "
            + "on standard error). The users' own items are left out unless --include-seen. Prints the recommendations "
            + "(or the batch job's report) as JSON; an unknown user is reported on standard error and in the result, "
            + "the others are still served, and the exit code is 3.",
            [
                new("model", "dir", "the model, run or deploy folder (required)"),
                new("user", "id", "a user of the model's data; repeat for more"),
                new("items", "id,id,...", "one history: the item ids a new user liked"),
                new("top", "N", "how many items per user (default 20)"),
                new("include-seen", null, "rank the users' own items too (with --user or --items)"),
                new("device", "D", $"ONNX Runtime's device: {Devices} (default cpu)"),
                new("batch-size", "N", GpuSizedDefault(500)),
                .. BatchOptions,
            ],
            [
                "vaetoolkit recommend --model runs/qs --user 0 --user 1 --top 5",
                "vaetoolkit recommend --model runs/mls --items 260,1196,1210 --top 10",
                "vaetoolkit recommend --model runs/qs --input events.csv --output top.parquet --shard 3/10",
            ])
            { ExitCodes = "0 done, 1 error, 2 usage, 3 some users could not be served, 130 stopped" },
            (verbs, line, token) => (verbs.Recommend(line, token, out bool allServed), allServed), ShowsProgress: true),

        new("similar", new VerbHelp(
            "the items most similar to given items",
            ["--model <run or model dir> --item <id>... [--top N]"],
            "The items most similar to each --item (cosine of the items' vectors), as JSON. An unknown id is reported "
            + "on standard error and in the result, the others are still answered, and the exit code is 3.",
            [
                new("model", "run or model dir", "the run folder or its model folder (required)"),
                new("item", "id", "an item of the model; repeat for more (at least one)"),
                new("top", "N", "how many similar items per item (default 10)"),
            ],
            ["vaetoolkit similar --model runs/qs --item 12 --item 40 --top 10"])
            { ExitCodes = "0 done, 1 error, 2 usage, 3 some items are unknown, 130 stopped" },
            (verbs, line, _) => (verbs.Similar(line, out bool allServed), allServed)),

        new("embed", new VerbHelp(
            "each user's latent mean, for every user of an interactions file",
            ["--model <dir> --input <csv|tsv|parquet> --output <csv|parquet> [batch options]"],
            "Encodes every user of an interactions file with the model's encoder graph and writes each user's latent "
            + "mean to --output (users done, users/s and the time left on standard error). Prints the batch job's "
            + "report as JSON. Models without an encoder (EASE) are refused.",
            [
                new("model", "dir", "the model, run or deploy folder (required)"),
                new("device", "D", $"ONNX Runtime's device: {Devices} (default cpu)"),
                new("batch-size", "N", GpuSizedDefault(500)),
                .. BatchOptions,
            ],
            ["vaetoolkit embed --model runs/qs --input events.csv --output embeddings.csv"]),
            (verbs, line, token) => (verbs.Embed(line, token), true), ShowsProgress: true),

        new("benchmark", new VerbHelp(
            "time training epochs (users/s, each step's phases)",
            ["--config <yaml> [--device D] [--precision P] [--gpus N] [--epochs E] [--set key=value]..."],
            "Trains for a few epochs without writing a run and prints the speed as JSON: train_users_per_s, "
            + "validation_users_per_s, the epoch times, the device and precision, the kernels that ran, and a step's "
            + "time by phase.",
            [
                new("config", "yaml", "the experiment whose training to time (required)"),
                new("device", "D", $"{Devices} (overrides the config's device)"),
                new("precision", "P", $"{string.Join(", ", Precisions.All)} (overrides the config's precision)"),
                new("gpus", "N", "GPUs to train on data-parallel (overrides the config's gpus)"),
                new("epochs", "E", "epochs to time (overrides training.epochs)"),
                new("set", "key=value", "override one config key; repeat for more"),
            ],
            ["vaetoolkit benchmark --config configs/bench-ml20m-shape.yaml --device cuda --precision bf16 --epochs 6"]),
            (verbs, line, token) => (verbs.Benchmark(line, token), true), ShowsProgress: true),

        new("benchmark-scoring", new VerbHelp(
            "time ONNX Runtime scoring against a libtorch forward pass",
            ["--model <run or model dir> [--users N] [--top K] [--batch B] [--device D] [--io-binding]"],
            "Scores random histories with the model's ONNX graph and with a dense libtorch forward pass of the same "
            + "weights, and prints both speeds as JSON.",
            [
                new("model", "run or model dir", "the run folder or its model folder (required)"),
                new("users", "N", "users to score (default 10,000)"),
                new("top", "K", "items per user (default 100)"),
                new("batch", "B", GpuSizedDefault(1000)),
                new("device", "D", $"where both engines score: {Devices} (default cpu)"),
                new("io-binding", null, "also time ONNX Runtime through IOBinding (page-locked host memory on CUDA), beside its plain run"),
            ],
            ["vaetoolkit benchmark-scoring --model runs/qs --users 10000 --top 100 --batch 1000", "vaetoolkit benchmark-scoring --model runs/qs --device cuda --io-binding"]),
            (verbs, line, token) => (verbs.BenchmarkScoring(line, token), true)),

        new("serve", new VerbHelp(
            "the HTTP recommendation service (runs until stopped)",
            ["--model <model, run or deploy dir> [--urls URL] [--device D] [options]"],
            "Serves recommendations over HTTP (ASP.NET Core over ONNX Runtime): micro-batches concurrent requests, "
            + "follows a newly promoted model without a restart, and has health checks, Prometheus metrics and an "
            + "OpenAPI document. Runs until Ctrl+C or SIGTERM, then finishes the requests in flight.",
            [new("model", "model, run or deploy dir", "what to serve; a deploy folder's current model is followed (required)"), .. OptionHelp.FromUsage(ServerCommandLine.Usage)],
            [
                "vaetoolkit serve --model runs/qs --urls http://127.0.0.1:8080",
                "vaetoolkit serve --model deploy/current --urls http://0.0.0.0:8080 --api-key-file key.txt --max-batch 512",
            ]),
            Run: null),

        new("benchmark-serve", new VerbHelp(
            "the service under load: latency, throughput, promotions",
            ["--model <run or model dir> [--seconds S] [--clients N,N] [--top K] [--reloads R] [--batch-users U] [--spin-wait on|off] [--threads N] [--settle S]"],
            "Starts the service in process and measures latency at one client, throughput at many, and requests "
            + "served while models are promoted; prints the figures as JSON.",
            [
                new("model", "run or model dir", "the model to serve (required)"),
                new("seconds", "S", "length of each phase (default 10)"),
                new("clients", "N,N", "client counts, one phase each (default 1,32)"),
                new("top", "K", "items per request (default 100)"),
                new("reloads", "R", "promotions during the last phase (default 10)"),
                new("batch-users", "U", "when above 0, one more phase with batch requests of U users"),
                new("spin-wait", "on|off", "ONNX Runtime's threads spin between operators (default off)"),
                new("threads", "N", "the service's ONNX Runtime threads (default 0: every core)"),
                new("settle", "S", "seconds of unmeasured load at each phase's client count before it is timed (default 2)"),
            ],
            ["vaetoolkit benchmark-serve --model runs/qs --seconds 10 --clients 1,32 --reloads 10 --batch-users 16"]),
            (verbs, line, token) => (verbs.BenchmarkServe(line, token), true)),

        new("cache list", new VerbHelp(
            "prepared data sets and downloads: path, bytes, last use",
            ["[--cache <dir>] [--download-cache <dir>]"],
            "Lists both caches, every prepared data set and download with its size and last use, least recently used "
            + "first, as JSON.",
            [
                new("cache", "dir", "the prepared-data cache (default ~/.cache/vaetoolkit/prepared)"),
                new("download-cache", "dir", "the download cache (default ~/.cache/vaetoolkit/datasets)"),
            ],
            ["vaetoolkit cache list"]),
            (verbs, line, _) => (verbs.CacheList(line), true)),

        new("cache prune", new VerbHelp(
            "remove the least recently used prepared data sets",
            ["[--max-bytes N | --all] [--downloads] [--cache <dir>] [--download-cache <dir>]"],
            "Removes the least recently used prepared data sets until the cache fits --max-bytes (by default its cap, "
            + "$VAETOOLKIT_CACHE_MAX_BYTES), or all of them with --all; a file another process holds open is kept. "
            + "Prints what was removed as JSON.",
            [
                new("max-bytes", "N", "the size to prune down to, such as 1073741824 or 500M"),
                new("all", null, "remove every prepared data set"),
                new("downloads", null, "remove the downloaded data sets too"),
                new("cache", "dir", "the prepared-data cache (default ~/.cache/vaetoolkit/prepared)"),
                new("download-cache", "dir", "the download cache (default ~/.cache/vaetoolkit/datasets)"),
            ],
            [
                "vaetoolkit cache prune --max-bytes 2G",
                "vaetoolkit cache prune --all --downloads",
            ]),
            (verbs, line, _) => (verbs.CachePrune(line), true)),
    ];

    /// <summary>The verb of that name (two words for <c>cache list</c>), or null.</summary>
    public static VerbEntry? Find(string name) => All.FirstOrDefault(entry => entry.Name == name);

    /// <summary>The verbs a help topic names: one verb, or a group such as <c>cache</c> (all its verbs).</summary>
    public static IReadOnlyList<VerbEntry> Topic(string name) =>
        Find(name) is { } entry ? [entry] : [.. All.Where(verb => verb.Name.StartsWith(name + " ", StringComparison.Ordinal))];

    /// <summary>What <c>vaetoolkit --help</c> prints: the verbs with one line each.</summary>
    public static string Overview()
    {
        var text = new StringBuilder("""
            vaetoolkit: trains, evaluates, exports and serves Mult-VAE, EASE and RecVAE recommenders.
            Each verb prints its result as JSON on standard output and its progress on standard error.

            verbs:

            """);
        int column = All.Max(entry => entry.Name.Length) + 2;
        foreach (var entry in All) text.Append("  ").Append(entry.Name.PadRight(column)).AppendLine(entry.Help.Summary);
        text.AppendLine().AppendLine("vaetoolkit <verb> --help (or vaetoolkit help <verb>): the verb's options and examples.");
        text.AppendLine(Footer);
        return text.ToString();
    }

    /// <summary>What a usage error prints after its message: every verb's command line.</summary>
    public static string Usage()
    {
        var text = new StringBuilder("usage:").AppendLine();
        foreach (var entry in All)
            foreach (string usage in entry.Help.Usage)
                text.Append("  vaetoolkit ").Append(entry.Name.PadRight(9)).Append(' ').AppendLine(usage);
        text.AppendLine("vaetoolkit <verb> --help: the verb's options and examples; vaetoolkit --help: the verbs.");
        text.Append(Footer);
        return text.ToString();
    }

    private const string Footer = """
        Every verb also takes --verbose: a failure's details (the stack trace) after its one-line message.
        Exit codes: 0 done, 1 error, 2 usage, 3 some ids failed, 130 stopped.
        """;
}
