namespace VaeToolkit.Training;

/// <summary>What happened in one epoch: mean batch loss, timings, and the validation score when validated.</summary>
public sealed record EpochRecord(
    int Epoch,
    double Loss,
    double KlWeight,
    double TrainSeconds,
    int TrainUsers,
    double? ValidationNdcgAt100,
    double? ValidationSeconds,
    int ValidationUsers)
{
    public double TrainUsersPerSecond => TrainSeconds > 0 ? TrainUsers / TrainSeconds : 0;
}
