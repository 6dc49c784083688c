namespace Serving.Worker.Batching;

/// <summary>
/// The dynamic batcher's decision as a pure function of the queues and the time: which requests
/// to drop, and whether to send a batch now or wait.
/// </summary>
/// <remarks>
/// <para>Rules, applied in this order:</para>
/// <list type="number">
/// <item>Drop cancelled requests (CANCELLED), requests whose deadline has passed (now ≥ deadline),
/// and, when <see cref="BatchingOptions.DropUnattainableRequests"/>, requests that would miss their
/// deadline even run alone now in the typical time (now + median service_time(own size) &gt;
/// deadline). The median, not the high percentile the waits use: a request that makes it in the
/// typical time more likely than not answers in time, and dropping it is a certain miss.</item>
/// <item>Order the rest: level 1 first; within a level FIFO, requests past their DELAY time last.</item>
/// <item>Without a free instance, only wait for the next drop time.</item>
/// <item>The candidate batch is the longest prefix of that order within max_batch_size. Send it when
/// it is full (or the next request does not fit), when draining, or when a prefix reaches a
/// preferred size (the largest such prefix is sent).</item>
/// <item>Send it when its oldest request has waited max_queue_delay.</item>
/// <item>Send it when waiting longer would make its most urgent request miss its deadline:
/// now ≥ min(deadline) − service_time(batch size).</item>
/// <item>Otherwise wait until the earliest of those instants or the next drop/DELAY time.</item>
/// </list>
/// <para>A batch about to be sent is trimmed to its longest prefix whose every member still meets its
/// deadline at the batch's service time, so joining a batch never makes a request late.</para>
/// <para>Every returned wait time lies strictly after <c>now</c>, so a timer armed on it cannot spin.</para>
/// </remarks>
public sealed class DeadlineAwareBatchPolicy
{
    private readonly BatchingOptions _options;
    private readonly IServiceTimeEstimator _estimator;
    private readonly HashSet<int> _preferred;

    /// <summary>Creates the policy for one model version.</summary>
    public DeadlineAwareBatchPolicy(BatchingOptions options, IServiceTimeEstimator estimator)
    {
        _options = options;
        _estimator = estimator;
        _preferred = [.. options.PreferredBatchSizes];
    }

    /// <summary>Decides what to do with <paramref name="queues"/> at <paramref name="now"/>.</summary>
    /// <param name="queues">One FIFO per priority level, index 0 = level 1. Read, never modified.</param>
    /// <param name="now">The current time.</param>
    /// <param name="instanceAvailable">Whether an instance can take a batch now.</param>
    /// <param name="flush">Send whatever is queued without waiting (draining).</param>
    public BatchDecision<TRequest> Decide<TRequest>(
        IReadOnlyList<IReadOnlyList<BatchEntry<TRequest>>> queues,
        DateTimeOffset now,
        bool instanceAvailable = true,
        bool flush = false)
    {
        List<DroppedRequest<TRequest>>? dropped = null;
        var candidates = new List<BatchEntry<TRequest>>();
        var delayed = new List<BatchEntry<TRequest>>();
        var wake = DateTimeOffset.MaxValue;
        foreach (var level in queues)
        {
            delayed.Clear();
            foreach (var entry in level)
            {
                if (DropReasonAt(entry, now) is { } reason)
                {
                    (dropped ??= []).Add(new DroppedRequest<TRequest>(entry, reason));
                    continue;
                }

                wake = Min(wake, NextDropTime(entry));
                if (entry.DelayAfter <= now)
                {
                    delayed.Add(entry);
                }
                else
                {
                    candidates.Add(entry);
                    wake = Min(wake, entry.DelayAfter);
                }
            }

            candidates.AddRange(delayed);
        }

        if (candidates.Count == 0)
        {
            return BatchDecision<TRequest>.Idle(dropped);
        }

        if (!instanceAvailable)
        {
            return wake == DateTimeOffset.MaxValue ? BatchDecision<TRequest>.Idle(dropped) : BatchDecision<TRequest>.Wait(wake, dropped);
        }

        var size = 0;
        var count = 0;
        var preferredCount = 0;
        var oldest = DateTimeOffset.MaxValue;
        var urgent = DateTimeOffset.MaxValue;
        foreach (var entry in candidates)
        {
            if (count > 0 && size + entry.BatchSize > _options.MaxBatchSize)
            {
                break;
            }

            size += entry.BatchSize;
            count++;
            oldest = Min(oldest, entry.EnqueuedAt);
            urgent = Min(urgent, entry.Deadline);
            if (_preferred.Contains(size))
            {
                preferredCount = count;
            }
        }

        var full = size >= _options.MaxBatchSize || count < candidates.Count;
        if (flush || full)
        {
            return BatchDecision<TRequest>.Send(Trim(candidates, count, now), dropped);
        }

        if (preferredCount > 0)
        {
            return BatchDecision<TRequest>.Send(Trim(candidates, preferredCount, now), dropped);
        }

        var delayDue = oldest + _options.MaxQueueDelay;
        if (now >= delayDue)
        {
            return BatchDecision<TRequest>.Send(Trim(candidates, count, now), dropped);
        }

        var latestSend = urgent == DateTimeOffset.MaxValue ? DateTimeOffset.MaxValue : urgent - Estimate(size);
        if (now >= latestSend)
        {
            return BatchDecision<TRequest>.Send(Trim(candidates, count, now), dropped);
        }

        return BatchDecision<TRequest>.Wait(Min(wake, Min(delayDue, latestSend)), dropped);
    }

    private DropReason? DropReasonAt<TRequest>(BatchEntry<TRequest> entry, DateTimeOffset now)
    {
        if (entry.CancellationToken.IsCancellationRequested)
        {
            return DropReason.Cancelled;
        }

        if (entry.Deadline == DateTimeOffset.MaxValue)
        {
            return null;
        }

        if (now >= entry.Deadline)
        {
            return DropReason.DeadlineExceeded;
        }

        return _options.DropUnattainableRequests && now + Typical(entry.BatchSize) > entry.Deadline
            ? DropReason.DeadlineUnattainable
            : null;
    }

    // The first instant at which DropReasonAt would drop the entry; strictly after any `now` it survived.
    private DateTimeOffset NextDropTime<TRequest>(BatchEntry<TRequest> entry)
    {
        if (entry.Deadline == DateTimeOffset.MaxValue)
        {
            return DateTimeOffset.MaxValue;
        }

        return _options.DropUnattainableRequests
            ? Min(entry.Deadline, entry.Deadline - Typical(entry.BatchSize) + TimeSpan.FromTicks(1))
            : entry.Deadline;
    }

    // The longest prefix (at most `count`, at least 1) whose members all finish by their deadlines.
    private BatchEntry<TRequest>[] Trim<TRequest>(List<BatchEntry<TRequest>> candidates, int count, DateTimeOffset now)
    {
        var prefixSize = new int[count];
        var prefixDeadline = new DateTimeOffset[count];
        var size = 0;
        var deadline = DateTimeOffset.MaxValue;
        for (var i = 0; i < count; i++)
        {
            size += candidates[i].BatchSize;
            deadline = Min(deadline, candidates[i].Deadline);
            prefixSize[i] = size;
            prefixDeadline[i] = deadline;
        }

        var take = 1;
        for (var k = count; k >= 1; k--)
        {
            if (prefixDeadline[k - 1] == DateTimeOffset.MaxValue || now + Estimate(prefixSize[k - 1]) <= prefixDeadline[k - 1])
            {
                take = k;
                break;
            }
        }

        return candidates.GetRange(0, take).ToArray();
    }

    private TimeSpan Estimate(int batchSize) => NonNegative(_estimator.Estimate(Math.Max(1, batchSize)));

    private TimeSpan Typical(int batchSize) => NonNegative(_estimator.EstimateTypical(Math.Max(1, batchSize)));

    private static TimeSpan NonNegative(TimeSpan estimate) => estimate > TimeSpan.Zero ? estimate : TimeSpan.Zero;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
