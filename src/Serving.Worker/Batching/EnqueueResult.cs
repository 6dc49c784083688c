namespace Serving.Worker.Batching;

/// <summary>
/// The answer to <see cref="DynamicBatcher{TRequest}.TryEnqueue"/>. When accepted the batcher owns the
/// request and completes it exactly once through its handler; when rejected the caller still owns
/// it and completes it with <see cref="Rejection"/> (the handler is not called).
/// </summary>
public readonly record struct EnqueueResult(DropReason? Rejection)
{
    /// <summary>The request is queued.</summary>
    public static EnqueueResult Accepted => new(null);

    /// <summary>Whether the request was queued.</summary>
    public bool IsAccepted => Rejection is null;
}
