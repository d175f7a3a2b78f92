namespace VaeToolkit.Configuration;

/// <summary>
/// The largest values the numeric settings accept, shared by the config file, the CLI options and the cmdlet
/// parameters (README's configuration table gives them). Generous for the largest public data sets (Netflix:
/// 480,000 users, 17,770 items; a catalogue of millions of items) yet small enough that sizes derived from
/// them stay within <c>int</c> and the work within days.
/// </summary>
public static class SettingRanges
{
    /// <summary>training.epochs, validation_step, checkpoint_step, warm_up_epochs; the benchmark's epochs.</summary>
    public const int MaxEpochs = 100_000;

    /// <summary>Users per batch: training.batch_size, max_users_per_pass, evaluation.batch_size, the test verb's batch size.</summary>
    public const int MaxBatchSize = 1_000_000;

    /// <summary>The width of one encoder layer (model.encoder_dims).</summary>
    public const int MaxLayerWidth = 65_536;

    /// <summary>The number of encoder layers after the item layer.</summary>
    public const int MaxEncoderLayers = 16;

    /// <summary>Recommendations per user (--top, -Top); more than the catalogue gives the whole catalogue.</summary>
    public const int MaxTop = 1_000_000;

    /// <summary>training.lam: the L2 weight; beyond this the penalty alone overflows the loss.</summary>
    public const double MaxLam = 1_000;

    /// <summary>data.min_items_per_user.</summary>
    public const int MaxItemsPerUser = 1_000_000;

    /// <summary>data.heldout_users (for validation, and as many for test).</summary>
    public const int MaxHeldoutUsers = 10_000_000;

    /// <summary>data.synthetic.users.</summary>
    public const int MaxSyntheticUsers = 10_000_000;

    /// <summary>data.synthetic.items.</summary>
    public const int MaxSyntheticItems = 1_000_000;

    /// <summary>data.synthetic.tastes and data.synthetic.mean_items_per_user.</summary>
    public const int MaxSyntheticPerUser = 10_000;

    /// <summary>data.synthetic.users × mean_items_per_user: the interactions generated, held in memory.</summary>
    public const long MaxSyntheticInteractions = 500_000_000;
}
