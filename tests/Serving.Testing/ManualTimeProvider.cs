namespace Serving.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only in <see cref="Advance"/>; timers due by the
/// new time fire inside <see cref="Advance"/>, earliest first, on the caller's thread (so a test
/// never sleeps). Timers armed by a callback fire in the same call when due.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly List<(int Count, TaskCompletionSource Armed)> _waiters = [];
    private DateTimeOffset _now;

    /// <summary>The default start: a fixed instant, so tests never depend on the real date.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public ManualTimeProvider(DateTimeOffset? start = null) => _now = start ?? DefaultStart;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>Timers that will fire if the clock moves far enough.</summary>
    public int ArmedTimers
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count(t => t.Due != DateTimeOffset.MaxValue);
            }
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> timers are armed: the sync point before an <see cref="Advance"/> that must fire them (safety net 10 s).</summary>
    public Task WaitForArmedTimersAsync(int count)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _waiters.Add((count, waiter));
        }

        NotifyWaiters();
        return waiter.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private void NotifyWaiters()
    {
        List<TaskCompletionSource> ready;
        lock (_lock)
        {
            var armed = _timers.Count(t => t.Due != DateTimeOffset.MaxValue);
            ready = _waiters.Where(w => armed >= w.Count).Select(w => w.Armed).ToList();
            _waiters.RemoveAll(w => armed >= w.Count);
        }

        foreach (var waiter in ready)
        {
            waiter.TrySetResult();
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        lock (_lock)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock by <paramref name="delta"/>, firing each due timer at its due time.</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_lock)
        {
            target = _now + delta;
        }

        while (true)
        {
            ManualTimer? next;
            lock (_lock)
            {
                next = null;
                foreach (var timer in _timers)
                {
                    if (timer.Due <= target && (next is null || timer.Due < next.Due))
                    {
                        next = timer;
                    }
                }

                if (next is null)
                {
                    _now = target;
                    return;
                }

                if (next.Due > _now)
                {
                    _now = next.Due;
                }

                next.Due = next.Period > TimeSpan.Zero ? _now + next.Period : DateTimeOffset.MaxValue;
            }

            next.Fire();
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset Due { get; set; } = DateTimeOffset.MaxValue;

        public TimeSpan Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                if (!owner._timers.Contains(this))
                {
                    return false;
                }

                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
                Due = dueTime == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : owner._now + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
            }

            owner.NotifyWaiters();
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
