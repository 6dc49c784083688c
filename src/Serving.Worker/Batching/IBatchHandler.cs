namespace Serving.Worker.Batching;

/// <summary>Where the batcher hands its work: batches to execute and requests to complete unexecuted.</summary>
/// <typeparam name="TRequest">The worker's request type.</typeparam>
public interface IBatchHandler<TRequest>
{
    /// <summary>
    /// Executes one batch and completes every request in it, on success and on failure.
    /// </summary>
    /// <remarks>
    /// Called without the batcher's lock, on the thread that made the decision (an enqueue, the
    /// timer, or a finishing batch): return promptly and run the compute asynchronously (e.g. on
    /// the instance's own thread). The batch's instance stays busy until the task completes. If the
    /// task faults, the batcher completes the batch's requests with
    /// <see cref="DropReason.ExecutionFailed"/>, so a handler that completes requests itself must not throw.
    /// </remarks>
    Task ExecuteAsync(IReadOnlyList<BatchEntry<TRequest>> batch, CancellationToken cancellationToken);

    /// <summary>
    /// Completes a queued request without compute (expired, unattainable, cancelled, shutting down).
    /// Called without the batcher's lock, exactly once per such request; must not throw.
    /// </summary>
    void Reject(TRequest request, DropReason reason);
}
