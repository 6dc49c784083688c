using Serving.Worker.Batching;

namespace Serving.Worker.Tests.Batching;

public sealed class DynamicBatcherTests
{
    private static readonly BatchingOptions Options = new()
    {
        MaxBatchSize = 4,
        PreferredBatchSizes = [4],
        MaxQueueDelay = TimeSpan.FromMilliseconds(10),
        PriorityLevels = 2,
        DefaultPriorityLevel = 2,
        MaxQueueSize = 3,
    };

    private static (DynamicBatcher<TestRequest> Batcher, RecordingHandler Handler, ManualTimeProvider Time) Create(BatchingOptions? options = null, double serviceMs = 2)
    {
        var time = new ManualTimeProvider();
        var handler = new RecordingHandler(time);
        var batcher = new DynamicBatcher<TestRequest>(options ?? Options, FuncEstimator.Constant(TimeSpan.FromMilliseconds(serviceMs)), handler, time);
        return (batcher, handler, time);
    }

    [Fact]
    public void TryEnqueue_QueueFull_RejectsAtOnceWithResourceExhausted()
    {
        var (batcher, handler, _) = Create(Options with { PreferredBatchSizes = [] });
        using var _ = batcher;
        for (var i = 0; i < 3; i++)
        {
            Assert.True(batcher.TryEnqueue(new TestRequest(i)).IsAccepted);
        }

        var result = batcher.TryEnqueue(new TestRequest(3));

        Assert.Equal(DropReason.QueueFull, result.Rejection);
        Assert.Equal(8, result.Rejection!.Value.GrpcStatusCode());
        Assert.Equal("queue_full", result.Rejection.Value.Label());
        Assert.Empty(handler.Rejected); // the caller still owns a rejected request
    }

    [Fact]
    public void TryEnqueue_QueueFullAtOneLevel_OtherLevelStillAccepts()
    {
        var (batcher, _, _) = Create(Options with { PreferredBatchSizes = [] });
        using var _ = batcher;
        for (var i = 0; i < 3; i++)
        {
            batcher.TryEnqueue(new TestRequest(i), priority: 2);
        }

        Assert.True(batcher.TryEnqueue(new TestRequest(9), priority: 1).IsAccepted);
    }

    [Fact]
    public void TryEnqueue_MoreElementsThanMaxBatchSize_Rejected()
    {
        var (batcher, _, _) = Create();
        using var _ = batcher;

        Assert.Equal(DropReason.BatchTooLarge, batcher.TryEnqueue(new TestRequest(1), batchSize: 5).Rejection);
    }

    [Fact]
    public void TryEnqueue_PreferredSizeReached_SendsWithoutWaiting()
    {
        var (batcher, handler, time) = Create(Options with { MaxQueueSize = 0 });
        using var _ = batcher;

        for (var i = 1; i <= 4; i++)
        {
            batcher.TryEnqueue(new TestRequest(i));
        }

        var (batch, sentAt) = Assert.Single(handler.Batches);
        Assert.Equal([1, 2, 3, 4], Entries.Ids(batch));
        Assert.Equal(time.GetUtcNow(), sentAt);
    }

    [Fact]
    public void Timer_MaxQueueDelayElapsed_SendsPartialBatch()
    {
        var (batcher, handler, time) = Create();
        using var _ = batcher;
        batcher.TryEnqueue(new TestRequest(1));
        time.Advance(TimeSpan.FromMilliseconds(4));
        batcher.TryEnqueue(new TestRequest(2));

        time.Advance(TimeSpan.FromMilliseconds(5.9));
        Assert.Empty(handler.Batches);
        time.Advance(TimeSpan.FromMilliseconds(0.1));

        var (batch, sentAt) = Assert.Single(handler.Batches);
        Assert.Equal([1, 2], Entries.Ids(batch));
        Assert.Equal(Entries.T0 + TimeSpan.FromMilliseconds(10), sentAt);
    }

    [Fact]
    public void Timer_OldestRequestNearDeadline_SendsBeforeMaxQueueDelay()
    {
        var (batcher, handler, time) = Create();
        using var _ = batcher;
        batcher.TryEnqueue(new TestRequest(1), deadline: time.GetUtcNow() + TimeSpan.FromMilliseconds(6));

        time.Advance(TimeSpan.FromMilliseconds(10));

        var (_, sentAt) = Assert.Single(handler.Batches);
        Assert.Equal(Entries.T0 + TimeSpan.FromMilliseconds(4), sentAt);
    }

    [Fact]
    public void Batcher_ExpiredWhileInstancesBusy_RejectedNeverExecuted()
    {
        var (batcher, handler, time) = Create(Options with { MaxBatchSize = 1, PreferredBatchSizes = [] });
        using var _ = batcher;
        batcher.TryEnqueue(new TestRequest(1)); // occupies the only instance
        batcher.TryEnqueue(new TestRequest(2), deadline: time.GetUtcNow() + TimeSpan.FromMilliseconds(5));

        time.Advance(TimeSpan.FromMilliseconds(5));
        handler.InFlight.Dequeue().SetResult();

        Assert.Equal([1], handler.SentIds);
        Assert.Equal([(2, DropReason.DeadlineUnattainable)], handler.Rejected);
    }

    [Fact]
    public void Batcher_QueueTimeoutReject_DropsWithDeadlineExceeded()
    {
        var options = Options with { MaxBatchSize = 1, PreferredBatchSizes = [], DefaultTimeout = TimeSpan.FromMilliseconds(5), DropUnattainableRequests = false };
        var (batcher, handler, time) = Create(options);
        using var _ = batcher;
        batcher.TryEnqueue(new TestRequest(1));
        batcher.TryEnqueue(new TestRequest(2));

        time.Advance(TimeSpan.FromMilliseconds(5));

        Assert.Equal([(2, DropReason.DeadlineExceeded)], handler.Rejected);
        Assert.Equal(4, handler.Rejected[0].Reason.GrpcStatusCode());
    }

    [Fact]
    public void Batcher_CancelledWhileQueued_RejectedAtOnceNeverExecuted()
    {
        var (batcher, handler, _) = Create();
        using var _ = batcher;
        using var cts = new CancellationTokenSource();
        batcher.TryEnqueue(new TestRequest(1), cancellationToken: cts.Token);

        cts.Cancel();

        Assert.Equal([(1, DropReason.Cancelled)], handler.Rejected);
        Assert.Empty(handler.Batches);
        Assert.Equal(0, batcher.GetLoad().QueuedRequests);
    }

    [Fact]
    public void Batcher_InstanceCountTwo_RunsTwoBatchesConcurrentlyNotThree()
    {
        var options = Options with { MaxBatchSize = 1, PreferredBatchSizes = [], InstanceCount = 2, MaxQueueSize = 0 };
        var (batcher, handler, _) = Create(options);
        using var _ = batcher;

        for (var i = 1; i <= 3; i++)
        {
            batcher.TryEnqueue(new TestRequest(i));
        }

        Assert.Equal([1, 2], handler.SentIds);
        Assert.Equal(2, batcher.GetLoad().InFlightBatches);
        Assert.Equal(1, batcher.GetLoad().QueuedRequests);

        handler.InFlight.Dequeue().SetResult();

        Assert.Equal([1, 2, 3], handler.SentIds);
        Assert.Equal(2, batcher.GetLoad().InFlightBatches);
    }

    [Fact]
    public void GetLoad_RunningBatches_ReportSizeAndHowLongTheyHaveRun()
    {
        var options = Options with { PreferredBatchSizes = [3], InstanceCount = 2, MaxQueueSize = 0 };
        var (batcher, handler, time) = Create(options);
        using var _ = batcher;
        batcher.TryEnqueue(new TestRequest(1), batchSize: 2);
        batcher.TryEnqueue(new TestRequest(2));
        time.Advance(TimeSpan.FromMilliseconds(30));
        batcher.TryEnqueue(new TestRequest(3), batchSize: 3);
        time.Advance(TimeSpan.FromMilliseconds(5));

        var load = batcher.GetLoad();

        Assert.Equal(2, load.InFlightBatches);
        Assert.Equal([new RunningBatch(3, TimeSpan.FromMilliseconds(35)), new RunningBatch(3, TimeSpan.FromMilliseconds(5))], load.Running);

        handler.InFlight.Dequeue().SetResult();

        Assert.Equal([new RunningBatch(3, TimeSpan.FromMilliseconds(5))], batcher.GetLoad().Running);
    }

    [Fact]
    public void Batcher_Priorities_HigherLevelSentFirstWhenInstanceFrees()
    {
        var options = Options with { MaxBatchSize = 1, PreferredBatchSizes = [], MaxQueueSize = 0 };
        var (batcher, handler, _) = Create(options);
        using var _ = batcher;
        batcher.TryEnqueue(new TestRequest(1));
        batcher.TryEnqueue(new TestRequest(2)); // default level 2
        batcher.TryEnqueue(new TestRequest(3), priority: 1);
        batcher.TryEnqueue(new TestRequest(4), priority: 7); // out of range: default level

        Assert.Equal([1, 2], batcher.GetLoad().QueueLengthPerPriority);
        for (var i = 0; i < 3; i++)
        {
            handler.InFlight.Dequeue().SetResult();
        }

        Assert.Equal([1, 3, 2, 4], handler.SentIds);
    }

    [Fact]
    public async Task DrainAsync_SendsQueuedWithoutWaitingAndRejectsNewWork()
    {
        var (batcher, handler, _) = Create();
        using var _ = batcher;
        batcher.TryEnqueue(new TestRequest(1));

        var drained = batcher.DrainAsync();

        Assert.Equal([1], handler.SentIds);
        Assert.Equal(DropReason.ShuttingDown, batcher.TryEnqueue(new TestRequest(2)).Rejection);
        Assert.False(drained.IsCompleted);
        handler.InFlight.Dequeue().SetResult();
        await drained.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Dispose_QueuedRequests_CompletedWithShuttingDown()
    {
        var (batcher, handler, _) = Create();
        batcher.TryEnqueue(new TestRequest(1));

        batcher.Dispose();

        Assert.Equal([(1, DropReason.ShuttingDown)], handler.Rejected);
    }

    [Fact]
    public void Batcher_HandlerThrows_RequestsCompletedAsExecutionFailedAndInstanceFreed()
    {
        var (batcher, handler, _) = Create(Options with { MaxBatchSize = 1, PreferredBatchSizes = [] });
        using var _ = batcher;
        handler.ThrowOnExecute = new InvalidOperationException("boom");

        batcher.TryEnqueue(new TestRequest(1));

        Assert.Contains((1, DropReason.ExecutionFailed), handler.Rejected);
        Assert.Equal(0, batcher.GetLoad().InFlightBatches);
    }
}
