namespace Serving.Worker.Repository;

/// <summary>Bounds and timeouts of one priority queue.</summary>
public sealed class QueuePolicyConfiguration
{
    /// <summary>Most requests the queue holds; 0 is unbounded. A full queue rejects at once.</summary>
    public int MaxQueueSize { get; init; }

    /// <summary>Queue timeout of every request in microseconds; 0 is none.</summary>
    public long DefaultTimeoutUs { get; init; }

    /// <summary>Whether a request's own <c>timeout</c> parameter may shorten the default.</summary>
    public bool AllowTimeoutOverride { get; init; }

    /// <summary>What a timed-out request gets: <c>REJECT</c> (completed with DEADLINE_EXCEEDED) or
    /// <c>DELAY</c> (served after the requests of its level that have not timed out).</summary>
    public string TimeoutAction { get; init; } = TimeoutActions.Reject;
}

/// <summary>The values of <see cref="QueuePolicyConfiguration.TimeoutAction"/>.</summary>
public static class TimeoutActions
{
    /// <summary>Drop the request when its timeout passes.</summary>
    public const string Reject = "REJECT";

    /// <summary>Demote the request behind the non-timed-out requests of its level.</summary>
    public const string Delay = "DELAY";
}
