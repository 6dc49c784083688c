using Serving.Worker.Repository;

namespace Serving.Worker.Batching;

/// <summary>The settings of one model version's dynamic batcher, in batcher units (not JSON).</summary>
public sealed record BatchingOptions
{
    /// <summary>Most batch elements per execution; 1 for models without a batch dimension.</summary>
    public int MaxBatchSize { get; init; } = 1;

    /// <summary>Batch sizes sent as soon as they can be formed.</summary>
    public IReadOnlyList<int> PreferredBatchSizes { get; init; } = [];

    /// <summary>Longest wait of the oldest queued request for others to join; zero sends at once.</summary>
    public TimeSpan MaxQueueDelay { get; init; }

    /// <summary>Number of priority levels (1 = highest); at least 1.</summary>
    public int PriorityLevels { get; init; } = 1;

    /// <summary>Level of requests that give no priority, or one outside [1, levels] (as Triton).</summary>
    public int DefaultPriorityLevel { get; init; } = 1;

    /// <summary>Most requests per level; 0 is unbounded.</summary>
    public int MaxQueueSize { get; init; }

    /// <summary>Queue timeout applied to every request; zero is none.</summary>
    public TimeSpan DefaultTimeout { get; init; }

    /// <summary>Whether a request's own timeout may shorten <see cref="DefaultTimeout"/>.</summary>
    public bool AllowTimeoutOverride { get; init; }

    /// <summary>True for Triton's DELAY action (demote timed-out requests), false for REJECT (drop them).</summary>
    public bool DelayTimedOutRequests { get; init; }

    /// <summary>Batches executed concurrently (the instance group count).</summary>
    public int InstanceCount { get; init; } = 1;

    /// <summary>
    /// Drop a request with DEADLINE_EXCEEDED as soon as its deadline cannot be met even if it ran
    /// alone now in the typical (median) time (now + p50 service_time(its size) &gt; deadline),
    /// instead of computing a result nobody will read. On by default: as Clockwork, rejecting early frees the instance for requests that
    /// can still make it. Off, only requests whose deadline has passed are dropped (Triton REJECT).
    /// </summary>
    public bool DropUnattainableRequests { get; init; } = true;

    /// <summary>The batcher settings of a validated model configuration.</summary>
    public static BatchingOptions FromConfiguration(ModelConfiguration config)
    {
        var batching = config.DynamicBatching;
        var policy = batching?.DefaultQueuePolicy ?? new QueuePolicyConfiguration();
        var levels = Math.Max(1, batching?.PriorityLevels ?? 1);
        return new BatchingOptions
        {
            MaxBatchSize = Math.Max(1, config.MaxBatchSize),
            PreferredBatchSizes = batching?.PreferredBatchSize ?? [],
            MaxQueueDelay = TimeSpan.FromMicroseconds(Math.Max(0, batching?.MaxQueueDelayUs ?? 0)),
            PriorityLevels = levels,
            DefaultPriorityLevel = Math.Clamp(batching?.DefaultPriorityLevel ?? 1, 1, levels),
            MaxQueueSize = Math.Max(0, policy.MaxQueueSize),
            DefaultTimeout = TimeSpan.FromMicroseconds(Math.Max(0, policy.DefaultTimeoutUs)),
            AllowTimeoutOverride = policy.AllowTimeoutOverride,
            DelayTimedOutRequests = policy.TimeoutAction == TimeoutActions.Delay,
            InstanceCount = Math.Max(1, config.InstanceGroup.Count),
        };
    }

    /// <summary>The queue level of a request's <c>priority</c> parameter: 0 or out of range means the default.</summary>
    public int ResolvePriorityLevel(long priority) =>
        priority >= 1 && priority <= PriorityLevels ? (int)priority : DefaultPriorityLevel;

    /// <summary>
    /// The entry's hard deadline and DELAY time from the caller's deadline and the queue timeout.
    /// </summary>
    /// <remarks>
    /// The effective timeout is the default one, replaced by the request's when overriding is
    /// allowed and the request's is shorter (a request may shorten, never extend, it). Under REJECT
    /// the timeout is a deadline; under DELAY it only demotes, and the caller's deadline alone drops.
    /// </remarks>
    public (DateTimeOffset Deadline, DateTimeOffset DelayAfter) ResolveTimes(DateTimeOffset now, DateTimeOffset? deadline, TimeSpan? requestTimeout)
    {
        var timeout = DefaultTimeout;
        if (AllowTimeoutOverride && requestTimeout is { } own && own > TimeSpan.Zero && (timeout == TimeSpan.Zero || own < timeout))
        {
            timeout = own;
        }

        var hard = deadline ?? DateTimeOffset.MaxValue;
        if (timeout <= TimeSpan.Zero)
        {
            return (hard, DateTimeOffset.MaxValue);
        }

        var timedOut = now + timeout;
        return DelayTimedOutRequests ? (hard, timedOut) : (timedOut < hard ? timedOut : hard, DateTimeOffset.MaxValue);
    }
}
