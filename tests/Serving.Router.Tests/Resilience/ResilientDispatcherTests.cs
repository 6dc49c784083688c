using System.Net.Http;
using Polly.CircuitBreaker;
using Serving.Grpc;
using Serving.Router.Resilience;
using Serving.Router.Selection;
using Serving.Router.Tests.Infrastructure;

namespace Serving.Router.Tests.Resilience;

public sealed class ResilientDispatcherTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(200);

    private readonly ManualTimeProvider _time = new();
    private readonly FakeWorkers _workers = new("w1", "w2", "w3");
    private readonly WorkerCircuitBreakers _breakers;
    private readonly List<(string Worker, CircuitState State)> _transitions = [];

    public ResilientDispatcherTests()
    {
        _breakers = new WorkerCircuitBreakers(
            new BreakerOptions { FailureRatio = 0.5, MinimumThroughput = 4, SamplingDuration = TimeSpan.FromSeconds(5), BreakDuration = TimeSpan.FromSeconds(1) },
            _time);
        _breakers.StateChanged += (worker, state) => _transitions.Add((worker, state));
    }

    private ResilientDispatcher Create(RetryBudgetOptions? budget = null, int maxAttempts = 3) => new(
        new DispatchOptions { MaxAttempts = maxAttempts },
        new RetryBudget(budget ?? new RetryBudgetOptions { Ratio = 0.1, MinRetriesPerSecond = 10 }, _time),
        _breakers,
        _time);

    private Task<DispatchOutcome<string>> DispatchAsync(ResilientDispatcher dispatcher, TimeSpan? hedgeAfter = null, CancellationToken cancellationToken = default) =>
        dispatcher.DispatchAsync(_workers.Select, _ => hedgeAfter, _time.GetUtcNow() + Budget, _workers.CallAsync, cancellationToken);

    [Fact]
    public async Task Dispatch_HealthyWorker_OneAttemptWithTheDeadline()
    {
        var outcome = await DispatchAsync(Create());

        Assert.Equal(("w1", "w1", 1, false), (outcome.Response, outcome.Choice.Worker, outcome.Attempts, outcome.Hedged));
        Assert.Equal(Snapshots.Now + Budget, Assert.Single(_workers.Deadlines));
    }

    [Fact]
    public async Task Dispatch_WorkerUnavailable_RetriedOnADifferentWorker()
    {
        _workers.Fail("w1", StatusCode.Unavailable);

        var outcome = await DispatchAsync(Create());

        Assert.Equal("w2", outcome.Response);
        Assert.Equal(["w1", "w2"], _workers.Calls);
        Assert.Equal(2, outcome.Attempts);
        Assert.Contains("w1", _workers.Avoided[^1]);
    }

    [Fact]
    public async Task Dispatch_ConnectionRefused_RetriedOnADifferentWorker()
    {
        _workers.Throw("w1", new HttpRequestException("Connection refused"));

        var outcome = await DispatchAsync(Create());

        Assert.Equal("w2", outcome.Response);
    }

    [Theory]
    [InlineData(StatusCode.DeadlineExceeded)]
    [InlineData(StatusCode.ResourceExhausted)]
    [InlineData(StatusCode.InvalidArgument)]
    public async Task Dispatch_NonRetryableStatus_SurfacesAtOnceWithoutRetry(StatusCode code)
    {
        _workers.Fail("w1", code);

        var error = await Assert.ThrowsAsync<RpcException>(() => DispatchAsync(Create()));

        Assert.Equal(code, error.StatusCode);
        Assert.Equal(["w1"], _workers.Calls);
    }

    [Fact]
    public async Task Dispatch_RetryBudgetSpent_UnavailableSurfaces()
    {
        _workers.Fail("w1", StatusCode.Unavailable);

        var error = await Assert.ThrowsAsync<RpcException>(() => DispatchAsync(Create(new RetryBudgetOptions { Ratio = 0, MinRetriesPerSecond = 0 })));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(["w1"], _workers.Calls);
    }

    [Fact]
    public async Task Dispatch_EveryWorkerUnavailable_AttemptsBoundedAndWorkerErrorSurfaces()
    {
        _workers.Fail("w1", StatusCode.Unavailable);
        _workers.Fail("w2", StatusCode.Unavailable);
        _workers.Fail("w3", StatusCode.Unavailable);

        var error = await Assert.ThrowsAsync<RpcException>(() => DispatchAsync(Create(maxAttempts: 2)));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(["w1", "w2"], _workers.Calls);
    }

    [Fact]
    public async Task Dispatch_NoOtherWorkerLeft_FirstWorkersErrorSurfaces()
    {
        var single = new FakeWorkers("w1");
        single.Fail("w1", StatusCode.Unavailable);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Create().DispatchAsync(single.Select, _ => null, _time.GetUtcNow() + Budget, single.CallAsync, CancellationToken.None));

        Assert.Equal((StatusCode.Unavailable, "w1 failed"), (error.StatusCode, error.Status.Detail));
    }

    [Fact]
    public async Task Dispatch_SelectionRejects_NoWorkerCalled()
    {
        var dispatcher = Create();

        var error = await Assert.ThrowsAsync<RpcException>(() => dispatcher.DispatchAsync(
            _ => VariantChoice.Reject(StatusCode.ResourceExhausted, SelectionReasons.SloUnattainable),
            _ => null,
            _time.GetUtcNow() + Budget,
            _workers.CallAsync,
            CancellationToken.None));

        Assert.Equal((StatusCode.ResourceExhausted, "slo_unattainable"), (error.StatusCode, error.Status.Detail));
        Assert.Empty(_workers.Calls);
    }

    [Fact]
    public async Task Dispatch_SlowPrimary_HedgedToAnotherWorkerAfterTheDelay()
    {
        _workers.Stall("w1");
        var dispatch = DispatchAsync(Create(), hedgeAfter: TimeSpan.FromMilliseconds(30));
        await _workers.Started("w1");
        await _time.WaitForArmedTimersAsync(2);

        _time.Advance(TimeSpan.FromMilliseconds(30));
        var outcome = await dispatch;

        Assert.Equal(("w2", true, 2), (outcome.Response, outcome.Hedged, outcome.Attempts));
        Assert.True(_workers.Tokens[0].IsCancellationRequested, "the slower attempt is cancelled");
    }

    [Fact]
    public async Task Dispatch_HedgeFindsNoOtherWorker_PrimaryStillAnswers()
    {
        // One worker left (the other just died): the hedge has nowhere to go, which must not fail
        // the request while its primary attempt is still running.
        var workers = new FakeWorkers("w1");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        workers.AnswerWhen("w1", release.Task);
        var dispatch = Create().DispatchAsync(workers.Select, _ => TimeSpan.FromMilliseconds(30), _time.GetUtcNow() + Budget, workers.CallAsync, CancellationToken.None);
        await workers.Started("w1");
        await _time.WaitForArmedTimersAsync(2);

        _time.Advance(TimeSpan.FromMilliseconds(30));
        await _time.WaitForArmedTimersAsync(1);
        release.SetResult();
        var outcome = await dispatch.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(("w1", false, 1), (outcome.Response, outcome.Hedged, outcome.Attempts));
        Assert.Equal(["w1"], workers.Calls);
    }

    [Fact]
    public async Task Dispatch_NoHedgePlanned_StalledWorkerTimesOutAtTheDeadline()
    {
        _workers.Stall("w1");
        var dispatch = DispatchAsync(Create(), hedgeAfter: null);
        await _workers.Started("w1");
        await _time.WaitForArmedTimersAsync(1);

        _time.Advance(Budget);
        var error = await Assert.ThrowsAsync<RpcException>(() => dispatch);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(["w1"], _workers.Calls);
    }

    [Fact]
    public async Task Dispatch_HedgeWithoutBudget_NotSent()
    {
        _workers.Stall("w1");
        var dispatch = DispatchAsync(Create(new RetryBudgetOptions { Ratio = 0, MinRetriesPerSecond = 0 }), hedgeAfter: TimeSpan.FromMilliseconds(30));
        await _workers.Started("w1");
        await _time.WaitForArmedTimersAsync(2);

        _time.Advance(TimeSpan.FromMilliseconds(30));
        await _time.WaitForArmedTimersAsync(1);
        _time.Advance(Budget);

        var error = await Assert.ThrowsAsync<RpcException>(() => dispatch);
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(["w1"], _workers.Calls);
    }

    [Fact]
    public async Task Dispatch_FailingWorkerBreakerOpens_WorkerLeavesSelectionUntilTheBreakPasses()
    {
        var dispatcher = Create(new RetryBudgetOptions { Ratio = 1, MinRetriesPerSecond = 100 });
        _workers.Fail("w1", StatusCode.Unavailable);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("w2", (await DispatchAsync(dispatcher)).Response);
        }

        Assert.Contains(("w1", CircuitState.Open), _transitions);
        Assert.Contains("w1", dispatcher.ExcludedWorkers);
        var callsToW1 = _workers.Calls.Count(c => c == "w1");
        Assert.Equal("w2", (await DispatchAsync(dispatcher)).Response);
        Assert.Equal(callsToW1, _workers.Calls.Count(c => c == "w1"));

        _time.Advance(TimeSpan.FromSeconds(1));
        _workers.Answer("w1");
        Assert.DoesNotContain("w1", dispatcher.ExcludedWorkers);
        Assert.Equal("w1", (await DispatchAsync(dispatcher)).Response);
        Assert.Contains(("w1", CircuitState.Closed), _transitions);
    }

    [Fact]
    public async Task Dispatch_ResourceExhaustedWorker_DoesNotTripItsBreaker()
    {
        var dispatcher = Create();
        _workers.Fail("w1", StatusCode.ResourceExhausted);
        for (var i = 0; i < 6; i++)
        {
            await Assert.ThrowsAsync<RpcException>(() => DispatchAsync(dispatcher));
        }

        Assert.Empty(_transitions);
        Assert.Empty(dispatcher.ExcludedWorkers);
    }

    [Fact]
    public async Task Dispatch_ClientCancels_Cancelled()
    {
        _workers.Stall("w1");
        using var cancel = new CancellationTokenSource();
        var dispatch = DispatchAsync(Create(), cancellationToken: cancel.Token);
        await _workers.Started("w1");

        await cancel.CancelAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => dispatch);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }
}
