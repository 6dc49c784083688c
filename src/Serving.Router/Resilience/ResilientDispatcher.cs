using System.Collections.Concurrent;
using System.Net.Http;
using Polly;
using Polly.CircuitBreaker;
using Polly.Hedging;
using Polly.Retry;
using Polly.Timeout;
using Serving.Grpc;
using Serving.Router.Selection;

namespace Serving.Router.Resilience;

/// <summary>Sends a request to the worker selection chose, with retry, hedging, per-attempt timeout and per-worker breakers (Polly.Core).</summary>
/// <remarks>
/// <para>The pipeline, outermost first: <b>retry</b> (zero delay) on UNAVAILABLE or a connection
/// failure; <b>hedging</b> (one hedge after the planned delay, or at once when the first attempt
/// fails with a retryable error); <b>timeout</b> per attempt = the time left to the request's
/// deadline, so no attempt outlives it; then each attempt selects its worker (the primary choice
/// first, afterwards a fresh selection that avoids every worker this request tried and every
/// worker whose breaker is open) and calls it through that worker's <b>circuit breaker</b>.</para>
/// <para>Every retry and hedge takes a token from the shared <see cref="RetryBudget"/> and one of
/// the request's <see cref="DispatchOptions.MaxAttempts"/>; without either it is not sent. The
/// primary selection happens before the pipeline, so a rejection (e.g. slo_unattainable) costs
/// no Polly machinery and no worker call.</para>
/// </remarks>
internal sealed class ResilientDispatcher
{
    private static readonly ResiliencePropertyKey<object> StateKey = new("serving.dispatch");

    private readonly DispatchOptions _options;
    private readonly RetryBudget _budget;
    private readonly WorkerCircuitBreakers _breakers;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<Type, object> _pipelines = new();

    public ResilientDispatcher(DispatchOptions options, RetryBudget budget, WorkerCircuitBreakers breakers, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1);
        _options = options;
        _budget = budget;
        _breakers = breakers;
        _time = time;
    }

    /// <summary>Workers to keep out of selection now (open breakers).</summary>
    public IReadOnlySet<string> ExcludedWorkers => _breakers.Excluded(_time.GetUtcNow());

    /// <summary>Dispatches one request.</summary>
    /// <param name="select">Selection avoiding the given workers (the caller's selector over its current snapshots).</param>
    /// <param name="planHedge">Hedge delay for a primary choice, or null for no hedge (see <see cref="HedgePlanner"/>).</param>
    /// <param name="deadline">When the answer is due; every attempt is bounded by it and gets it to propagate.</param>
    /// <param name="call">Calls the chosen worker with the deadline; throws <see cref="RpcException"/> on failure.</param>
    /// <param name="cancellationToken">The client's cancellation.</param>
    /// <exception cref="RpcException">Rejected by selection, or failed after the retries allowed.</exception>
    public async Task<DispatchOutcome<T>> DispatchAsync<T>(
        Func<IReadOnlySet<string>, VariantChoice> select,
        Func<VariantChoice, TimeSpan?> planHedge,
        DateTimeOffset deadline,
        Func<VariantChoice, DateTimeOffset, CancellationToken, ValueTask<T>> call,
        CancellationToken cancellationToken)
    {
        _budget.RecordRequest();
        var primary = select(ExcludedWorkers);
        if (primary.IsRejected)
        {
            throw new RpcException(new Status(primary.Code, primary.Reason));
        }

        var state = new DispatchState<T>(deadline, primary, planHedge(primary), select, call, _options.MaxAttempts);
        var pipeline = (ResiliencePipeline<Attempt<T>>)_pipelines.GetOrAdd(typeof(T), _ => Build<T>());
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(StateKey, state);
        try
        {
            var attempt = await pipeline.ExecuteAsync(
                static (ctx, args) => args.Self.RunAttemptAsync(args.State, ctx.CancellationToken),
                context,
                (Self: this, State: state)).ConfigureAwait(false);
            return new DispatchOutcome<T>(attempt.Response, attempt.Choice, state.Attempts, state.Hedged);
        }
        catch (Exception ex)
        {
            var translated = Translate(ex, state, cancellationToken);
            if (ReferenceEquals(translated, ex))
            {
                throw;
            }

            throw translated;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<Attempt<T>> RunAttemptAsync<T>(DispatchState<T> state, CancellationToken cancellationToken)
    {
        var choice = state.NextChoice(ExcludedWorkers);
        if (choice.IsRejected)
        {
            throw new SelectionRejectedException(choice);
        }

        try
        {
            var response = await _breakers.ExecuteAsync(
                choice.Worker!,
                token => state.Call(choice, state.Deadline, token),
                cancellationToken).ConfigureAwait(false);
            return new Attempt<T>(response, choice);
        }
        catch (Exception ex) when (FailureClassifier.IsRetryable(ex))
        {
            state.LastWorkerFailure = ex;
            throw;
        }
    }

    private static Exception Translate<T>(Exception ex, DispatchState<T> state, CancellationToken cancellationToken) => ex switch
    {
        SelectionRejectedException rejected when state.LastWorkerFailure is { } failure => Translate(failure, state, cancellationToken),
        SelectionRejectedException rejected => new RpcException(new Status(rejected.Choice.Code, rejected.Choice.Reason)),
        TimeoutRejectedException => new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline exceeded before a worker answered")),
        BrokenCircuitException => new RpcException(new Status(StatusCode.Unavailable, "every candidate worker's circuit is open")),
        HttpRequestException or IOException => new RpcException(new Status(StatusCode.Unavailable, "worker unreachable: " + ex.Message), Metadata.Empty, ex),
        OperationCanceledException when cancellationToken.IsCancellationRequested => new RpcException(Status.DefaultCancelled),
        _ => ex,
    };

    private ResiliencePipeline<Attempt<T>> Build<T>()
    {
        static DispatchState<T> State(ResilienceContext context) => (DispatchState<T>)context.Properties.GetValue(StateKey, null!);

        return new ResiliencePipelineBuilder<Attempt<T>> { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions<Attempt<T>>
            {
                MaxRetryAttempts = Math.Max(1, _options.MaxAttempts - 1),
                Delay = TimeSpan.Zero,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(
                    FailureClassifier.IsRetryable(args.Outcome.Exception) && State(args.Context).TryReserveAttempt() && _budget.TryWithdraw()),
            })
            .AddHedging(new HedgingStrategyOptions<Attempt<T>>
            {
                MaxHedgedAttempts = 1,
                ShouldHandle = args => ValueTask.FromResult(FailureClassifier.IsRetryable(args.Outcome.Exception)),
                DelayGenerator = args => ValueTask.FromResult(State(args.Context).HedgeDelay ?? Timeout.InfiniteTimeSpan),
                ActionGenerator = args =>
                {
                    var state = State(args.PrimaryContext);
                    if (!state.TryPrepareHedge(ExcludedWorkers, _budget.TryWithdraw))
                    {
                        return null;
                    }

                    state.Hedged = true;
                    return () => args.Callback(args.ActionContext);
                },
            })
            .AddTimeout(new TimeoutStrategyOptions
            {
                TimeoutGenerator = args =>
                {
                    var remaining = State(args.Context).Deadline - _time.GetUtcNow();
                    return ValueTask.FromResult(remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1));
                },
            })
            .Build();
    }

    private readonly record struct Attempt<T>(T Response, VariantChoice Choice);
}
