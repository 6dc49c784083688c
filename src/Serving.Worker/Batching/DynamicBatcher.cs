namespace Serving.Worker.Batching;

/// <summary>
/// The stateful dynamic batcher of one model version: bounded priority queues, a timer, and up to
/// <see cref="BatchingOptions.InstanceCount"/> batches in flight. Every decision is made by
/// <see cref="DeadlineAwareBatchPolicy"/>; this class only applies it.
/// </summary>
/// <remarks>
/// <para>Locking: <c>_lock</c> guards the queues, the in-flight batches and the lifecycle flags. It
/// is held only to enqueue, to run one decision and remove what it selected, and to read load.
/// The handler is never called under the lock: dropped requests are completed and batches are
/// started after it is released, so a slow or re-entrant handler cannot stall enqueuers.</para>
/// <para>Ownership: an accepted request belongs to the batcher until it is handed to exactly one
/// of <see cref="IBatchHandler{TRequest}.ExecuteAsync"/> or <see cref="IBatchHandler{TRequest}.Reject"/>.</para>
/// <para>Time comes from the injected <see cref="TimeProvider"/> (clock and timer), so tests drive it.</para>
/// </remarks>
/// <typeparam name="TRequest">The worker's request type; opaque here.</typeparam>
public sealed class DynamicBatcher<TRequest> : IDisposable
{
    private readonly Lock _lock = new();
    private readonly BatchingOptions _options;
    private readonly DeadlineAwareBatchPolicy _policy;
    private readonly IBatchHandler<TRequest> _handler;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _disposal = new();
    private readonly List<BatchEntry<TRequest>>[] _queues;

    // Guarded by _lock. _running holds each in-flight batch (by reference) with its size and start.
    private readonly List<(IReadOnlyList<BatchEntry<TRequest>> Batch, int Size, long Started)> _running = [];
    private bool _draining;
    private bool _disposed;
    private TaskCompletionSource? _drained;

    /// <summary>Creates a batcher; nothing runs until the first request arrives.</summary>
    public DynamicBatcher(BatchingOptions options, IServiceTimeEstimator estimator, IBatchHandler<TRequest> handler, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PriorityLevels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.InstanceCount, 1);
        _options = options;
        _policy = new DeadlineAwareBatchPolicy(options, estimator);
        _handler = handler;
        _time = timeProvider;
        _queues = new List<BatchEntry<TRequest>>[options.PriorityLevels];
        for (var i = 0; i < _queues.Length; i++)
        {
            _queues[i] = [];
        }

        _timer = timeProvider.CreateTimer(static state => ((DynamicBatcher<TRequest>)state!).Pump(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Queues a request, or rejects it at once: full queue (RESOURCE_EXHAUSTED, queue_full), too many
    /// batch elements, already cancelled, or shutting down. Never blocks on execution.
    /// </summary>
    /// <param name="request">The request; owned by the batcher if accepted.</param>
    /// <param name="batchSize">Elements along the batch dimension.</param>
    /// <param name="priority">The request's <c>priority</c> parameter; 0 = the default level.</param>
    /// <param name="deadline">The caller's deadline (gRPC deadline), if any.</param>
    /// <param name="timeout">The request's <c>timeout</c> parameter, if any.</param>
    /// <param name="cancellationToken">Cancelled when the caller gives up.</param>
    public EnqueueResult TryEnqueue(
        TRequest request,
        int batchSize = 1,
        long priority = 0,
        DateTimeOffset? deadline = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        if (batchSize < 1 || batchSize > _options.MaxBatchSize)
        {
            return new EnqueueResult(DropReason.BatchTooLarge);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return new EnqueueResult(DropReason.Cancelled);
        }

        var level = _options.ResolvePriorityLevel(priority);
        BatchEntry<TRequest> entry;
        lock (_lock)
        {
            if (_draining || _disposed)
            {
                return new EnqueueResult(DropReason.ShuttingDown);
            }

            var queue = _queues[level - 1];
            if (_options.MaxQueueSize > 0 && queue.Count >= _options.MaxQueueSize)
            {
                return new EnqueueResult(DropReason.QueueFull);
            }

            var now = _time.GetUtcNow();
            var (hardDeadline, delayAfter) = _options.ResolveTimes(now, deadline, timeout);
            entry = new BatchEntry<TRequest>
            {
                Request = request,
                PriorityLevel = level,
                EnqueuedAt = now,
                Deadline = hardDeadline,
                DelayAfter = delayAfter,
                BatchSize = batchSize,
                CancellationToken = cancellationToken,
            };
            queue.Add(entry);
        }

        // Outside the lock: Register runs the callback inline when the token is already cancelled.
        if (cancellationToken.CanBeCanceled)
        {
            entry.CancellationRegistration = cancellationToken.Register(static state => ((DynamicBatcher<TRequest>)state!).Pump(), this);
        }

        Pump();
        return EnqueueResult.Accepted;
    }

    /// <summary>Queue lengths per priority level and batches in flight, for load reports and metrics.</summary>
    public BatcherLoad GetLoad()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var running = new RunningBatch[_running.Count];
            for (var i = 0; i < running.Length; i++)
            {
                running[i] = new RunningBatch(_running[i].Size, _time.GetElapsedTime(_running[i].Started, now));
            }

            return new BatcherLoad(_queues.Select(q => q.Count).ToArray(), _running.Count, _options.InstanceCount) { Running = running };
        }
    }

    /// <summary>
    /// Stops accepting requests (they get <see cref="DropReason.ShuttingDown"/>), sends everything
    /// queued without waiting for fuller batches, and completes when no batch is in flight.
    /// Expired requests are still dropped rather than computed.
    /// </summary>
    public Task DrainAsync(CancellationToken cancellationToken = default)
    {
        Task drained;
        lock (_lock)
        {
            _draining = true;
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained.Task;
        }

        Pump();
        return drained.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Stops the timer and completes every still-queued request with <see cref="DropReason.ShuttingDown"/>.
    /// Batches in flight keep running; their handler completes them.
    /// </summary>
    public void Dispose()
    {
        List<BatchEntry<TRequest>> abandoned = [];
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var queue in _queues)
            {
                abandoned.AddRange(queue);
                queue.Clear();
            }
        }

        _timer.Dispose();
        _disposal.Cancel();
        foreach (var entry in abandoned)
        {
            entry.CancellationRegistration.Dispose();
            _handler.Reject(entry.Request, DropReason.ShuttingDown);
        }

        _disposal.Dispose();
    }

    // Runs decisions until one does not send. Callable from any thread, never under _lock.
    private void Pump()
    {
        while (true)
        {
            BatchDecision<TRequest> decision;
            TaskCompletionSource? drained = null;
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                var now = _time.GetUtcNow();
                decision = _policy.Decide(_queues, now, _running.Count < _options.InstanceCount, _draining);
                Remove(decision.Dropped.Select(d => d.Entry));
                if (decision.Kind == BatchDecisionKind.Send)
                {
                    Remove(decision.Batch);
                    _running.Add((decision.Batch, decision.Batch.Sum(e => e.BatchSize), _time.GetTimestamp()));
                }

                var due = decision.Kind == BatchDecisionKind.Wait ? decision.WaitUntil - now : Timeout.InfiniteTimeSpan;
                _timer.Change(due, Timeout.InfiniteTimeSpan);
                if (_draining && _running.Count == 0 && _queues.All(q => q.Count == 0))
                {
                    drained = _drained;
                }
            }

            foreach (var (entry, reason) in decision.Dropped)
            {
                entry.CancellationRegistration.Dispose();
                _handler.Reject(entry.Request, reason);
            }

            drained?.TrySetResult();
            if (decision.Kind != BatchDecisionKind.Send)
            {
                return;
            }

            Start(decision.Batch);
        }
    }

    // Precondition: _lock not held; the batch's instance slot is already counted in _running.
    private void Start(IReadOnlyList<BatchEntry<TRequest>> batch)
    {
        foreach (var entry in batch)
        {
            entry.CancellationRegistration.Dispose();
        }

        Task task;
        try
        {
            task = _handler.ExecuteAsync(batch, _disposal.Token);
        }
        catch (Exception ex)
        {
            task = Task.FromException(ex);
        }

        if (task.IsCompleted)
        {
            // The calling Pump loop decides again; pumping here would recurse.
            Finish(task, batch, pump: false);
            return;
        }

        task.ContinueWith(
            static (t, state) =>
            {
                var (self, entries) = ((DynamicBatcher<TRequest>, IReadOnlyList<BatchEntry<TRequest>>))state!;
                self.Finish(t, entries, pump: true);
            },
            (this, batch),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Finish(Task task, IReadOnlyList<BatchEntry<TRequest>> batch, bool pump)
    {
        lock (_lock)
        {
            _running.RemoveAt(_running.FindIndex(r => ReferenceEquals(r.Batch, batch)));
        }

        if (task.IsFaulted || task.IsCanceled)
        {
            foreach (var entry in batch)
            {
                _handler.Reject(entry.Request, DropReason.ExecutionFailed);
            }
        }

        if (pump)
        {
            Pump();
        }
    }

    // Precondition: _lock held.
    private void Remove(IEnumerable<BatchEntry<TRequest>> entries)
    {
        foreach (var entry in entries)
        {
            _queues[entry.PriorityLevel - 1].Remove(entry);
        }
    }
}
