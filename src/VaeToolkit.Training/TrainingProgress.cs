namespace VaeToolkit.Training;

/// <summary>
/// A progress report from the trainer: one after every batch (<see cref="EpochCompleted"/> null) and one
/// when an epoch ends (with its record).
/// </summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, EpochRecord? EpochCompleted);
