using Serving.Worker.Batching;
using static Serving.Worker.Tests.Batching.Entries;

namespace Serving.Worker.Tests.Batching;

public sealed class DeadlineAwareBatchPolicyTests
{
    private static readonly BatchingOptions Options = new()
    {
        MaxBatchSize = 8,
        PreferredBatchSizes = [4, 8],
        MaxQueueDelay = TimeSpan.FromMilliseconds(10),
        PriorityLevels = 2,
    };

    private static DeadlineAwareBatchPolicy Policy(BatchingOptions? options = null, double serviceMs = 2) =>
        new(options ?? Options, FuncEstimator.Constant(TimeSpan.FromMilliseconds(serviceMs)));

    [Fact]
    public void Decide_EmptyQueues_Idle()
    {
        var decision = Policy().Decide(Queues(), At(0));

        Assert.Equal(BatchDecisionKind.Idle, decision.Kind);
        Assert.Empty(decision.Dropped);
    }

    [Fact]
    public void Decide_PreferredSizeReached_SendsNow()
    {
        var decision = Policy().Decide(Queues(Make(1), Make(2), Make(3), Make(4)), At(1));

        Assert.Equal(BatchDecisionKind.Send, decision.Kind);
        Assert.Equal([1, 2, 3, 4], Ids(decision.Batch));
    }

    [Fact]
    public void Decide_MoreThanPreferredButBelowNext_SendsLargestPreferredPrefix()
    {
        var decision = Policy().Decide(Queues(Make(1), Make(2), Make(3), Make(4), Make(5)), At(1));

        Assert.Equal(BatchDecisionKind.Send, decision.Kind);
        Assert.Equal([1, 2, 3, 4], Ids(decision.Batch));
    }

    [Fact]
    public void Decide_MaxBatchSizeReached_SendsFullBatchOnly()
    {
        var options = Options with { PreferredBatchSizes = [] };
        var entries = Enumerable.Range(1, 10).Select(i => Make(i)).ToArray();

        var decision = Policy(options).Decide(Queues(entries), At(0));

        Assert.Equal(BatchDecisionKind.Send, decision.Kind);
        Assert.Equal(Enumerable.Range(1, 8), Ids(decision.Batch));
    }

    [Fact]
    public void Decide_NextRequestDoesNotFit_SendsNow()
    {
        var options = Options with { PreferredBatchSizes = [] };

        var decision = Policy(options).Decide(Queues(Make(1, batchSize: 5), Make(2, batchSize: 4)), At(0));

        Assert.Equal(BatchDecisionKind.Send, decision.Kind);
        Assert.Equal([1], Ids(decision.Batch));
    }

    [Fact]
    public void Decide_BelowPreferredAndYoung_WaitsUntilMaxQueueDelay()
    {
        var decision = Policy().Decide(Queues(Make(1, enqueuedMs: 0), Make(2, enqueuedMs: 3)), At(4));

        Assert.Equal(BatchDecisionKind.Wait, decision.Kind);
        Assert.Equal(At(10), decision.WaitUntil);
    }

    [Fact]
    public void Decide_OldestWaitedMaxQueueDelay_SendsNow()
    {
        var decision = Policy().Decide(Queues(Make(1, enqueuedMs: 0), Make(2, enqueuedMs: 5)), At(10));

        Assert.Equal(BatchDecisionKind.Send, decision.Kind);
        Assert.Equal([1, 2], Ids(decision.Batch));
    }

    [Fact]
    public void Decide_OldestRequestNearDeadline_SendsNow()
    {
        // Deadline 7 ms, batch of 2 takes 2 ms: the last moment to send is 5 ms, before max_queue_delay (10 ms).
        var decision = Policy().Decide(Queues(Make(1, deadlineMs: 7), Make(2)), At(5));

        Assert.Equal(BatchDecisionKind.Send, decision.Kind);
        Assert.Equal([1, 2], Ids(decision.Batch));
    }

    [Fact]
    public void Decide_DeadlineBeforeMaxQueueDelay_WaitsOnlyUntilLatestSendTime()
    {
        var decision = Policy().Decide(Queues(Make(1, deadlineMs: 7), Make(2)), At(1));

        Assert.Equal(BatchDecisionKind.Wait, decision.Kind);
        Assert.Equal(At(5), decision.WaitUntil);
    }

    [Fact]
    public void Decide_ServiceTimeGrowsWithBatch_UsesEstimateOfTheBatchItWouldForm()
    {
        var policy = new DeadlineAwareBatchPolicy(Options, new FuncEstimator(n => TimeSpan.FromMilliseconds(n)));

        var decision = policy.Decide(Queues(Make(1, deadlineMs: 9), Make(2), Make(3)), At(1));

        Assert.Equal(BatchDecisionKind.Wait, decision.Kind);
        Assert.Equal(At(6), decision.WaitUntil); // 9 ms - 3 ms for a batch of three
    }

    [Fact]
    public void Decide_DeadlinePassed_DropsWithDeadlineExceeded()
    {
        var decision = Policy().Decide(Queues(Make(1, deadlineMs: 3), Make(2)), At(3));

        var dropped = Assert.Single(decision.Dropped);
        Assert.Equal((1, DropReason.DeadlineExceeded), (dropped.Entry.Request.Id, dropped.Reason));
        Assert.DoesNotContain(1, Ids(decision.Batch));
    }

    [Fact]
    public void Decide_DeadlineUnattainableEvenAlone_DropsAtOnce()
    {
        // 1 ms left, running alone takes 2 ms: computing it would be wasted work.
        var decision = Policy().Decide(Queues(Make(1, deadlineMs: 6)), At(5));

        var dropped = Assert.Single(decision.Dropped);
        Assert.Equal(DropReason.DeadlineUnattainable, dropped.Reason);
        Assert.Equal(BatchDecisionKind.Idle, decision.Kind);
    }

    [Fact]
    public void Decide_DeadlineWithinTheTypicalTimeButNotTheP99_StillSent()
    {
        // 3 ms left: the median run (2 ms) makes it, the p99 (5 ms) would not. Dropping is a certain miss.
        var policy = new DeadlineAwareBatchPolicy(Options, new FuncEstimator(_ => TimeSpan.FromMilliseconds(5), _ => TimeSpan.FromMilliseconds(2)));

        var kept = policy.Decide(Queues(Make(1, deadlineMs: 8)), At(5));
        Assert.Empty(kept.Dropped);
        Assert.Equal(BatchDecisionKind.Send, kept.Kind);

        // 1 ms left: not even the median run makes it.
        var dropped = Assert.Single(policy.Decide(Queues(Make(1, deadlineMs: 6)), At(5)).Dropped);
        Assert.Equal(DropReason.DeadlineUnattainable, dropped.Reason);
    }

    [Fact]
    public void Decide_DeadlineUnattainableWithOptionOff_StillSends()
    {
        var policy = Policy(Options with { DropUnattainableRequests = false });

        var decision = policy.Decide(Queues(Make(1, deadlineMs: 6)), At(5));

        Assert.Empty(decision.Dropped);
        Assert.Equal(BatchDecisionKind.Send, decision.Kind);
    }

    [Fact]
    public void Decide_CancelledRequest_DroppedAsCancelled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        var decision = Policy().Decide(Queues(Make(1, cancellationToken: cts.Token), Make(2)), At(0));

        var dropped = Assert.Single(decision.Dropped);
        Assert.Equal((1, DropReason.Cancelled), (dropped.Entry.Request.Id, dropped.Reason));
    }

    [Fact]
    public void Decide_HigherPriorityDrainsFirst_FifoWithinLevel()
    {
        var options = Options with { PreferredBatchSizes = [], MaxBatchSize = 3 };
        var queues = Queues(Make(1, level: 2), Make(2, level: 2), Make(3, level: 1), Make(4, level: 1));

        var decision = Policy(options).Decide(queues, At(0));

        Assert.Equal(BatchDecisionKind.Send, decision.Kind);
        Assert.Equal([3, 4, 1], Ids(decision.Batch));
    }

    [Fact]
    public void Decide_DelayedRequest_ServedAfterTheRestOfItsLevel()
    {
        var options = Options with { PreferredBatchSizes = [], MaxBatchSize = 2 };
        var queues = Queues(Make(1, delayAfterMs: 1), Make(2), Make(3, level: 2));

        var decision = Policy(options).Decide(queues, At(2));

        Assert.Equal([2, 1], Ids(decision.Batch));
    }

    [Fact]
    public void Decide_NoInstanceAvailable_WaitsForNextDropTime()
    {
        // Deadline 20 ms and 2 ms alone: unattainable from 18 ms + 1 tick.
        var decision = Policy().Decide(Queues(Make(1, deadlineMs: 20), Make(2), Make(3), Make(4)), At(1), instanceAvailable: false);

        Assert.Equal(BatchDecisionKind.Wait, decision.Kind);
        Assert.Equal(At(18) + TimeSpan.FromTicks(1), decision.WaitUntil);
    }

    [Fact]
    public void Decide_NoInstanceAndNoDeadlines_Idle()
    {
        var decision = Policy().Decide(Queues(Make(1), Make(2), Make(3), Make(4)), At(1), instanceAvailable: false);

        Assert.Equal(BatchDecisionKind.Idle, decision.Kind);
    }

    [Fact]
    public void Decide_JoiningWouldMakeMemberLate_TrimsBatchToWhatMeetsDeadlines()
    {
        // A batch of 4 takes 4 ms but request 2 has 3 ms left: the batch is cut to three (3 ms).
        var policy = new DeadlineAwareBatchPolicy(Options, new FuncEstimator(n => TimeSpan.FromMilliseconds(n)));

        var decision = policy.Decide(Queues(Make(1), Make(2, deadlineMs: 3), Make(3), Make(4)), At(0));

        Assert.Equal(BatchDecisionKind.Send, decision.Kind);
        Assert.Equal([1, 2, 3], Ids(decision.Batch));
    }

    [Fact]
    public void Decide_Flush_SendsImmediately()
    {
        var decision = Policy().Decide(Queues(Make(1)), At(0), flush: true);

        Assert.Equal(BatchDecisionKind.Send, decision.Kind);
    }

    [Fact]
    public void Decide_ZeroQueueDelay_SendsSingleRequestAtOnce()
    {
        var options = new BatchingOptions { MaxBatchSize = 1 };

        var decision = Policy(options).Decide(Queues(Make(1), Make(2)), At(0));

        Assert.Equal([1], Ids(decision.Batch));
    }
}
