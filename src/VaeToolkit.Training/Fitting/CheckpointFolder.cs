using VaeToolkit.Configuration;
using VaeToolkit.Data;

namespace VaeToolkit.Training.Fitting;

/// <summary>
/// A run's checkpoint folder (none when <paramref name="folder"/> is null): the resumption from its last
/// checkpoint, checked by <see cref="ResumeCheck"/> before anything is loaded; the schedule (every
/// checkpoint_step epochs, after the last and where training stops early); and the order of a checkpoint's files: a new best epoch's
/// weights first, then the checkpoint that names them, then the older bests removed, so that whatever
/// moment a run is killed at, its checkpoint's best weights exist.
/// </summary>
internal sealed class CheckpointFolder(string? folder, VaeConfig config, PreparedDataset data)
{
    private readonly string _configHash = ResumeCheck.Key(config);

    /// <summary>The folder's last checkpoint; null without a folder.</summary>
    public string? LastPath { get; } = folder is null ? null : Path.Combine(folder, Checkpoint.LastName);

    /// <summary>
    /// When <paramref name="resume"/> is set and the folder holds a last checkpoint: checks that it fits this
    /// run, then has <paramref name="load"/> load it (the path in, its state out) and returns the state.
    /// Otherwise null: the run starts at epoch 1.
    /// </summary>
    /// <exception cref="ResumeMismatchException">The checkpoint was written with other settings or data.</exception>
    public Checkpoint? Resume(bool resume, Func<string, Checkpoint> load)
    {
        if (!resume || LastPath is null || !File.Exists(LastPath)) return null;
        ResumeCheck.Check(LastPath, Checkpoint.ReadState(LastPath, verify: false), config, data); // before anything is loaded
        return load(LastPath);
    }

    /// <summary>
    /// Whether a checkpoint is written after <paramref name="epoch"/>: every checkpoint_step epochs, after the
    /// last, and after the one training stops early at (<paramref name="last"/>), so that a resumption finds the
    /// run ended there.
    /// </summary>
    public bool IsDue(int epoch, bool last = false) =>
        folder is not null && (epoch % config.Training.CheckpointStep == 0 || epoch == config.Training.Epochs || last);

    /// <summary>
    /// The checkpoint of the run's state after <paramref name="epoch"/>, with what a resumption is checked against;
    /// <paramref name="history"/> is every epoch's record so far (read when it is saved).
    /// </summary>
    public Checkpoint State(int epoch, long step, BestWeightsKeeper best, IReadOnlyList<EpochRecord> history) =>
        new(epoch, step, best.Epoch, best.Ndcg, _configHash, history)
        {
            DataHash = data.DataHash,
            ItemCount = data.ItemCount,
            Settings = ResumeCheck.Settings(config),
        };

    /// <summary>
    /// Writes <paramref name="checkpoint"/>: the new best weights first, then the checkpoint itself through
    /// <paramref name="save"/> (the path, the state), then every other best removed.
    /// </summary>
    public void Write(Checkpoint checkpoint, BestWeightsKeeper best, Action<string, Checkpoint> save)
    {
        if (folder is null) throw new InvalidOperationException("no checkpoint folder");
        best.SaveNew(folder); // the checkpoint that names the best epoch must never outlive its weights
        save(LastPath!, checkpoint);
        best.RemoveOthers(folder);
    }
}
