namespace Serving.Worker.Repository;

/// <summary>Dynamic batching settings, with Triton's meaning for each field.</summary>
public sealed class DynamicBatchingConfiguration
{
    /// <summary>Batch sizes sent as soon as they can be formed; each in [1, max_batch_size].</summary>
    public IReadOnlyList<int> PreferredBatchSize { get; init; } = [];

    /// <summary>Longest time, in microseconds, a request waits for others to join its batch.</summary>
    public long MaxQueueDelayUs { get; init; }

    /// <summary>Number of priority levels (1 = highest); 0 means a single level.</summary>
    public int PriorityLevels { get; init; }

    /// <summary>Level for requests without a priority; in [1, priority_levels], or 0 with 0 levels.</summary>
    public int DefaultPriorityLevel { get; init; }

    /// <summary>Queue bound and timeout policy applied to every level.</summary>
    public QueuePolicyConfiguration DefaultQueuePolicy { get; init; } = new();
}
