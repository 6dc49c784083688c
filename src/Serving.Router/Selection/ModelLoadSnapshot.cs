using System.Collections.Immutable;

namespace Serving.Router.Selection;

/// <summary>Load of one model version on one worker: its last report plus what this router sent since.</summary>
/// <param name="ModelName">Model (variant) name.</param>
/// <param name="Version">Model version the worker serves.</param>
/// <param name="Ready">Whether the worker reports the model ready.</param>
/// <param name="QueueLengthPerPriority">Queued requests per priority level; index 0 is level 1 (highest).</param>
/// <param name="InFlightBatches">Batches computing now.</param>
/// <param name="MaxBatchSize">Largest batch the worker forms (at least 1).</param>
/// <param name="InstanceCount">Model instances computing in parallel (at least 1).</param>
/// <param name="ServiceTimes">Measured service time per batch size.</param>
/// <param name="SentSinceReport">Requests this router sent for this model to this worker since the report.</param>
public sealed record ModelLoadSnapshot(
    string ModelName,
    string Version,
    bool Ready,
    ImmutableArray<int> QueueLengthPerPriority,
    int InFlightBatches,
    int MaxBatchSize,
    int InstanceCount,
    ServiceTimeProfile ServiceTimes,
    int SentSinceReport = 0)
{
    /// <summary>
    /// The batches computing at the report, each with its size and how long it had run then; empty
    /// when the worker does not report them (then every in-flight batch counts as a full one just started).
    /// </summary>
    public ImmutableArray<InFlightBatchSnapshot> Running { get; init; } = [];

    /// <summary>When the report arrived (elapsed times of <see cref="Running"/> are as of then).</summary>
    public DateTimeOffset ReportedAt { get; init; }

    /// <summary>
    /// What this router's recent calls of the model on this worker took relative to their
    /// predictions (a high quantile, at least 1; see <see cref="CalibrationOptions"/>); predictions
    /// are multiplied by it.
    /// </summary>
    public double Calibration { get; init; } = 1;

    /// <summary>Requests queued at <paramref name="priority"/> (1 = highest) or a higher level.</summary>
    public int QueuedAtOrAbove(int priority)
    {
        var total = 0;
        var levels = Math.Min(Math.Max(priority, 1), QueueLengthPerPriority.Length);
        for (var i = 0; i < levels; i++)
        {
            total += QueueLengthPerPriority[i];
        }

        return total;
    }
}

/// <summary>A batch computing on a worker at its last report.</summary>
/// <param name="Size">Elements along the batch dimension.</param>
/// <param name="Elapsed">How long it had been computing when the report was taken.</param>
public readonly record struct InFlightBatchSnapshot(int Size, TimeSpan Elapsed);
