namespace Serving.Worker.Batching;

/// <summary>What the batcher does next.</summary>
public enum BatchDecisionKind
{
    /// <summary>Nothing to send and no timer needed until the queues or the instances change.</summary>
    Idle,

    /// <summary>Re-decide at <see cref="BatchDecision{TRequest}.WaitUntil"/> (or earlier on any change).</summary>
    Wait,

    /// <summary>Execute <see cref="BatchDecision{TRequest}.Batch"/> now.</summary>
    Send,
}

/// <summary>A request taken out of the queue to be completed without compute.</summary>
public readonly record struct DroppedRequest<TRequest>(BatchEntry<TRequest> Entry, DropReason Reason);

/// <summary>
/// The result of one batch decision: send a batch now, wait until a time, or idle; plus the
/// requests that must be completed without compute (expired, unattainable or cancelled).
/// </summary>
public sealed record BatchDecision<TRequest>
{
    private BatchDecision(BatchDecisionKind kind, IReadOnlyList<BatchEntry<TRequest>> batch, DateTimeOffset waitUntil, IReadOnlyList<DroppedRequest<TRequest>> dropped)
    {
        Kind = kind;
        Batch = batch;
        WaitUntil = waitUntil;
        Dropped = dropped;
    }

    /// <summary>Send, wait or idle.</summary>
    public BatchDecisionKind Kind { get; }

    /// <summary>The requests to execute together, in queue order; empty unless <see cref="BatchDecisionKind.Send"/>.</summary>
    public IReadOnlyList<BatchEntry<TRequest>> Batch { get; }

    /// <summary>When to decide again; meaningful for <see cref="BatchDecisionKind.Wait"/> only.</summary>
    public DateTimeOffset WaitUntil { get; }

    /// <summary>Requests to remove and complete without compute, whatever the kind.</summary>
    public IReadOnlyList<DroppedRequest<TRequest>> Dropped { get; }

    /// <summary>Execute <paramref name="batch"/> now.</summary>
    public static BatchDecision<TRequest> Send(IReadOnlyList<BatchEntry<TRequest>> batch, IReadOnlyList<DroppedRequest<TRequest>>? dropped = null) =>
        new(BatchDecisionKind.Send, batch, DateTimeOffset.MaxValue, dropped ?? []);

    /// <summary>Decide again at <paramref name="until"/>.</summary>
    public static BatchDecision<TRequest> Wait(DateTimeOffset until, IReadOnlyList<DroppedRequest<TRequest>>? dropped = null) =>
        new(BatchDecisionKind.Wait, [], until, dropped ?? []);

    /// <summary>Nothing to do until something changes.</summary>
    public static BatchDecision<TRequest> Idle(IReadOnlyList<DroppedRequest<TRequest>>? dropped = null) =>
        new(BatchDecisionKind.Idle, [], DateTimeOffset.MaxValue, dropped ?? []);
}
