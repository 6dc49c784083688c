namespace Serving.Worker.Batching;

/// <summary>A request waiting in a priority queue, with what the batch decision needs to know about it.</summary>
/// <typeparam name="TRequest">The worker's request type; opaque to the batcher.</typeparam>
public sealed class BatchEntry<TRequest>
{
    /// <summary>The request itself.</summary>
    public required TRequest Request { get; init; }

    /// <summary>Priority level, 1 = highest.</summary>
    public int PriorityLevel { get; init; } = 1;

    /// <summary>When it entered the queue (max_queue_delay counts from here).</summary>
    public DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>The last instant a result is still useful; <see cref="DateTimeOffset.MaxValue"/> for none.</summary>
    public DateTimeOffset Deadline { get; init; } = DateTimeOffset.MaxValue;

    /// <summary>When a DELAY queue policy demotes it behind its level's other requests; MaxValue for never.</summary>
    public DateTimeOffset DelayAfter { get; init; } = DateTimeOffset.MaxValue;

    /// <summary>Elements it contributes along the batch dimension (1 for a single image).</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Signals that the caller gave up; a cancelled entry is completed without compute.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>The callback that wakes the batcher on cancellation; owned and disposed by the batcher.</summary>
    internal CancellationTokenRegistration CancellationRegistration { get; set; }
}
