namespace Serving.Worker.Batching;

/// <summary>A snapshot of a batcher's load, as load reports publish it.</summary>
/// <param name="QueueLengthPerPriority">Queued requests per level; index 0 is level 1 (highest).</param>
/// <param name="InFlightBatches">Batches executing now.</param>
/// <param name="InstanceCount">Batches that may execute concurrently.</param>
public sealed record BatcherLoad(IReadOnlyList<int> QueueLengthPerPriority, int InFlightBatches, int InstanceCount)
{
    /// <summary>Queued requests over all levels.</summary>
    public int QueuedRequests => QueueLengthPerPriority.Sum();
}
