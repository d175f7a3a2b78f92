using VaeToolkit.Configuration;
using VaeToolkit.Training;
using static TorchSharp.torch.utils;
using SummaryWriter = TorchSharp.Modules.SummaryWriter;

namespace VaeToolkit.Orchestration.Monitoring;

/// <summary>
/// A run's TensorBoard log: the scalars of every epoch record, written with TorchSharp's
/// <c>SummaryWriter</c> into <c>&lt;run&gt;/tensorboard</c> (<c>tensorboard --logdir runs/</c> shows every run).
/// Per epoch: training loss, KL weight (β), learning rate, validation NDCG@100 when validated, the epoch's
/// training seconds and users per second, and fp16's loss scale; a model that tries settings instead of
/// epochs (EASE) logs its validation NDCG and the setting per candidate.
/// <para>
/// Event files are append-only logs, TensorBoard's format, so unlike the run's other files they are not
/// written under a temporary name: a record cut short by a kill is skipped by readers. Each session writes a
/// new file (TensorBoard merges a folder's files); a resumed run logs the epochs of its checkpoint that no
/// earlier file holds and never a (tag, epoch) pair twice, so the epochs a killed session logged past its last
/// checkpoint are not repeated when they are trained again. It is monitoring: when the disk refuses a write,
/// it warns once and stops logging rather than stop the training.
/// </para>
/// </summary>
public sealed class TensorBoardLog
{
    /// <summary>The log's folder inside a run directory.</summary>
    public const string FolderName = "tensorboard";

    public const string LossTag = "train/loss";
    public const string KlWeightTag = "train/kl_weight";
    public const string LearningRateTag = "train/learning_rate";
    public const string LossScaleTag = "train/loss_scale";
    public const string ValidationNdcgTag = "validation/ndcg_at_100";
    public const string TrainSecondsTag = "time/epoch_train_seconds";
    public const string UsersPerSecondTag = "time/train_users_per_second";

    /// <summary>The tag of a setting a candidate tried (EASE: <c>settings/lambda</c>).</summary>
    public static string SettingTag(string name) => "settings/" + name;

    private readonly string _folder;
    private readonly VaeConfig _config;
    private readonly bool _iterative;
    private readonly IProgress<string>? _log;
    private readonly HashSet<(string Tag, long Step)> _logged;
    private SummaryWriter? _writer; // opened at the first scalar to write, so that a session with none adds no file
    private bool _failed;

    private TensorBoardLog(string folder, VaeConfig config, bool iterative, IProgress<string>? log, HashSet<(string, long)> logged)
    {
        _folder = folder;
        _config = config;
        _iterative = iterative;
        _log = log;
        _logged = logged;
    }

    /// <summary>
    /// The log of <paramref name="runDirectory"/>, continuing what earlier sessions wrote, and with the epochs of
    /// <paramref name="earlierEpochs"/> (a resumed checkpoint's history) that no event file holds yet.
    /// </summary>
    /// <param name="iterative">Whether the model trains by epochs (false: a closed form that tries candidates).</param>
    public static TensorBoardLog Open(string runDirectory, VaeConfig config, bool iterative, IEnumerable<EpochRecord> earlierEpochs, IProgress<string>? log)
    {
        string folder = Path.Combine(runDirectory, FolderName);
        HashSet<(string, long)> logged;
        try
        {
            logged = TensorBoardEventReader.ReadScalars(folder).Select(s => (s.Tag, s.Step)).ToHashSet();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log?.Report($"{Trainer.WarningPrefix}cannot read the TensorBoard log in {folder} ({e.Message}): logging every epoch again");
            logged = [];
        }
        var tensorBoard = new TensorBoardLog(folder, config, iterative, log, logged);
        foreach (var record in earlierEpochs) tensorBoard.Write(record);
        return tensorBoard;
    }

    /// <summary>Logs one epoch's scalars (those not logged before).</summary>
    public void Write(EpochRecord record)
    {
        if (_failed) return;
        try
        {
            foreach (var (tag, value) in Scalars(record))
            {
                if (!_logged.Add((tag, record.Epoch))) continue;
                _writer ??= tensorboard.SummaryWriter(_folder);
                _writer.add_scalar(tag, (float)value, record.Epoch);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _failed = true;
            _log?.Report($"{Trainer.WarningPrefix}stopped writing the TensorBoard log in {_folder}: {e.Message}");
        }
    }

    /// <summary>The scalars of one record, by tag.</summary>
    private IEnumerable<(string Tag, double Value)> Scalars(EpochRecord record)
    {
        if (_iterative)
        {
            yield return (LossTag, record.Loss);
            yield return (KlWeightTag, record.KlWeight);
            yield return (LearningRateTag, _config.Training.LearningRate);
        }
        if (record.ValidationNdcgAt100 is double ndcg) yield return (ValidationNdcgTag, ndcg);
        yield return (TrainSecondsTag, record.TrainSeconds);
        yield return (UsersPerSecondTag, record.TrainUsersPerSecond);
        if (record.LossScale is double scale) yield return (LossScaleTag, scale);
        foreach (var (name, value) in record.Settings ?? new Dictionary<string, double>())
            yield return (SettingTag(name), value);
    }
}
