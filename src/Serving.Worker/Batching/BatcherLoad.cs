namespace Serving.Worker.Batching;

/// <summary>A snapshot of a batcher's load, as load reports publish it.</summary>
/// <param name="QueueLengthPerPriority">Queued requests per level; index 0 is level 1 (highest).</param>
/// <param name="InFlightBatches">Batches executing now.</param>
/// <param name="InstanceCount">Batches that may execute concurrently.</param>
public sealed record BatcherLoad(IReadOnlyList<int> QueueLengthPerPriority, int InFlightBatches, int InstanceCount)
{
    /// <summary>Queued requests over all levels.</summary>
    public int QueuedRequests => QueueLengthPerPriority.Sum();

    /// <summary>The batches executing now, oldest first: their size and how long they have run.</summary>
    public IReadOnlyList<RunningBatch> Running { get; init; } = [];
}

/// <summary>A batch executing now.</summary>
/// <param name="Size">Elements along the batch dimension.</param>
/// <param name="Elapsed">How long it has been executing.</param>
public readonly record struct RunningBatch(int Size, TimeSpan Elapsed);
