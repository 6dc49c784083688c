using System.Collections.Concurrent;
using System.Collections.Frozen;
using Polly;
using Polly.CircuitBreaker;

namespace Serving.Router.Resilience;

/// <summary>A Polly circuit breaker per worker, whose open breakers also take the worker out of selection.</summary>
/// <remarks>
/// Polly moves an open breaker to half-open only when a call arrives after the break; a worker
/// excluded from selection for as long as its breaker is open would never get that call. So a
/// worker is excluded from when its breaker opens until the break duration has passed, and is
/// then selectable again: the next call is the probe (concurrent others fail fast with
/// <see cref="BrokenCircuitException"/>, which the dispatcher retries elsewhere). The probe's
/// outcome closes or reopens the breaker. <see cref="Excluded"/> reads an immutable map swapped
/// under <c>_lock</c> on each transition.
/// </remarks>
internal sealed class WorkerCircuitBreakers
{
    private readonly BreakerOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private FrozenDictionary<string, DateTimeOffset> _openUntil = FrozenDictionary<string, DateTimeOffset>.Empty;
    private readonly ConcurrentDictionary<string, CircuitState> _states = new(StringComparer.Ordinal);

    public WorkerCircuitBreakers(BreakerOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>Raised on every transition: worker id and new state (for metrics and logs).</summary>
    public event Action<string, CircuitState>? StateChanged;

    /// <summary>The state of every breaker that ever changed state (the others are closed).</summary>
    public IReadOnlyDictionary<string, CircuitState> States => _states;

    /// <summary>The breaker state of <paramref name="worker"/> (closed when it never tripped).</summary>
    public CircuitState StateOf(string worker) => _states.GetValueOrDefault(worker, CircuitState.Closed);

    /// <summary>Workers whose breaker opened less than a break duration ago.</summary>
    public IReadOnlySet<string> Excluded(DateTimeOffset now)
    {
        var open = Volatile.Read(ref _openUntil);
        if (open.Count == 0)
        {
            return FrozenSet<string>.Empty;
        }

        return open.Where(p => p.Value > now).Select(p => p.Key).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>Runs <paramref name="call"/> through <paramref name="worker"/>'s breaker.</summary>
    public ValueTask<T> ExecuteAsync<T>(string worker, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken) =>
        _pipelines.GetOrAdd(worker, Create).ExecuteAsync(static (state, token) => state(token), call, cancellationToken);

    private ResiliencePipeline Create(string worker) =>
        new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = _options.FailureRatio,
                MinimumThroughput = _options.MinimumThroughput,
                SamplingDuration = _options.SamplingDuration,
                BreakDuration = _options.BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(FailureClassifier.IsWorkerFailure(args.Outcome.Exception)),
                OnOpened = args =>
                {
                    SetOpen(worker, _time.GetUtcNow() + args.BreakDuration);
                    _states[worker] = CircuitState.Open;
                    StateChanged?.Invoke(worker, CircuitState.Open);
                    return ValueTask.CompletedTask;
                },
                OnHalfOpened = _ =>
                {
                    _states[worker] = CircuitState.HalfOpen;
                    StateChanged?.Invoke(worker, CircuitState.HalfOpen);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    SetOpen(worker, null);
                    _states[worker] = CircuitState.Closed;
                    StateChanged?.Invoke(worker, CircuitState.Closed);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    private void SetOpen(string worker, DateTimeOffset? until)
    {
        lock (_lock)
        {
            var map = _openUntil.ToDictionary(StringComparer.Ordinal);
            if (until is { } value)
            {
                map[worker] = value;
            }
            else
            {
                map.Remove(worker);
            }

            Volatile.Write(ref _openUntil, map.ToFrozenDictionary(StringComparer.Ordinal));
        }
    }
}
