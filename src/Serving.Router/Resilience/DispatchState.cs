using Serving.Router.Selection;

namespace Serving.Router.Resilience;

/// <summary>One request's dispatch: its deadline, the workers tried, attempts started. Shared by concurrent hedged attempts; guarded by <c>_lock</c>.</summary>
internal sealed class DispatchState<T>(
    DateTimeOffset deadline,
    VariantChoice primary,
    TimeSpan? hedgeDelay,
    Func<IReadOnlySet<string>, VariantChoice> select,
    Func<VariantChoice, DateTimeOffset, CancellationToken, ValueTask<T>> call,
    int maxAttempts)
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _tried = new(StringComparer.Ordinal);
    // The choice the next attempt takes without selecting: the primary, then a prepared hedge.
    private VariantChoice? _pending = primary;
    private int _reserved = 1;

    public DateTimeOffset Deadline { get; } = deadline;

    public TimeSpan? HedgeDelay { get; } = hedgeDelay;

    public Func<VariantChoice, DateTimeOffset, CancellationToken, ValueTask<T>> Call { get; } = call;

    public bool Hedged { get; set; }

    public Exception? LastWorkerFailure { get; set; }

    public int Attempts
    {
        get
        {
            lock (_lock)
            {
                return _tried.Count;
            }
        }
    }

    /// <summary>Reserves one more attempt (retry or hedge) when fewer than the maximum were reserved.</summary>
    public bool TryReserveAttempt()
    {
        lock (_lock)
        {
            if (_reserved >= maxAttempts)
            {
                return false;
            }

            _reserved++;
            return true;
        }
    }

    /// <summary>
    /// Chooses where a hedge would go (avoiding every tried worker and <paramref name="excluded"/>)
    /// and reserves its attempt, so the hedge's attempt takes that choice. False, changing nothing
    /// but the selector's view, when no attempt is left, selection finds no other worker, or
    /// <paramref name="withdrawBudget"/> refuses: a hedge with nowhere to go is not sent, rather
    /// than failing the request whose primary attempt is still running.
    /// </summary>
    public bool TryPrepareHedge(IReadOnlySet<string> excluded, Func<bool> withdrawBudget)
    {
        lock (_lock)
        {
            if (_reserved >= maxAttempts || _pending is not null)
            {
                return false;
            }

            var avoid = new HashSet<string>(_tried, StringComparer.Ordinal);
            avoid.UnionWith(excluded);
            var choice = select(avoid);
            if (choice.IsRejected || !withdrawBudget())
            {
                return false;
            }

            _reserved++;
            _pending = choice;
            return true;
        }
    }

    /// <summary>The primary choice on the first call (or a prepared hedge's); afterwards a fresh selection avoiding every tried worker and <paramref name="excluded"/>.</summary>
    public VariantChoice NextChoice(IReadOnlySet<string> excluded)
    {
        VariantChoice choice;
        lock (_lock)
        {
            if (_pending is { } first)
            {
                _pending = null;
                _tried.Add(first.Worker!);
                return first;
            }

            var avoid = new HashSet<string>(_tried, StringComparer.Ordinal);
            avoid.UnionWith(excluded);
            choice = select(avoid);
            if (!choice.IsRejected)
            {
                _tried.Add(choice.Worker!);
            }
        }

        return choice;
    }
}
