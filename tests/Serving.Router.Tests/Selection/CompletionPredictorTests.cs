using Serving.Router.Selection;
using static Serving.Router.Tests.Infrastructure.Snapshots;

namespace Serving.Router.Tests.Selection;

public sealed class CompletionPredictorTests
{
    private static readonly TimeSpan Network = TimeSpan.FromMilliseconds(2);

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    // p99 by batch size: 1 -> 10 ms, 2 -> 30 ms, 4 -> 40 ms, 8 -> 60 ms (p50 half of it).
    private static ServiceTimeProfile Steps() =>
        new(new[] { (1, 10.0), (2, 30.0), (4, 40.0), (8, 60.0) }.Select(p => new BatchServiceTime(p.Item1, Ms(p.Item2 / 2), Ms(p.Item2))));

    private static double PredictMs(ModelLoadSnapshot load, int priority = 1, double percentile = 0.99) =>
        CompletionPredictor.Predict(load, priority, percentile, Network)!.Value.TotalMilliseconds;

    [Fact]
    public void Predict_IdleWorker_ServiceTimePlusNetwork()
    {
        Assert.Equal(22, PredictMs(Load("m", p99Ms: 20)), 6);
    }

    [Fact]
    public void Predict_QueuedRequests_WaitForTheirBatchesFirst()
    {
        // 3 ahead, batch 1, one instance: 3 batches of 20 ms, then its own.
        Assert.Equal(82, PredictMs(Load("m", p99Ms: 20, queued: 3)), 6);
    }

    [Fact]
    public void Predict_InstancesShareTheQueue()
    {
        // 3 batches ahead over 2 instances: (3 - 1) / 2 batches of waiting.
        Assert.Equal(42, PredictMs(Load("m", p99Ms: 20, queued: 3, instances: 2)), 6);
    }

    [Fact]
    public void Predict_BatchingDividesTheQueue()
    {
        // 8 ahead in batches of 4 -> 2 full batches (sqrt(4) x 10 ms = 20 ms each), then a batch of 1 (10 ms).
        var load = Load("m", queued: 8, maxBatch: 4, profile: Profile(5, 10, 1, 4));

        Assert.Equal(40 + 10 + 2, PredictMs(load), 6);
    }

    [Fact]
    public void Predict_Calibrated_MultipliesTheReportsPrediction()
    {
        var load = Load("m", p99Ms: 20, queued: 1) with { Calibration = 1.5 };

        Assert.Equal(42, CompletionPredictor.PredictUncalibrated(load, 1, 0.99, Network)!.Value.TotalMilliseconds, 6);
        Assert.Equal(63, PredictMs(load), 6);
    }

    [Fact]
    public void Predict_InFlightBatch_CountsAsWorkAhead()
    {
        Assert.Equal(42, PredictMs(Load("m", p99Ms: 20, inFlight: 1)), 6);
    }

    [Fact]
    public void Predict_InFlightBatchReported_OnlyItsRemainingTimeIsWaited()
    {
        // A batch of 2 (30 ms at p99) has run 10 ms: 20 ms left, then this request's own 10 ms.
        var load = Load("m", maxBatch: 8, profile: Steps()) with { InFlightBatches = 1, Running = [new(2, Ms(10))] };

        Assert.Equal(20 + 10 + 2, PredictMs(load), 6);
    }

    [Fact]
    public void Predict_InFlightBatch_AgesSinceTheReport()
    {
        var reported = DateTimeOffset.UnixEpoch;
        var load = Load("m", maxBatch: 8, profile: Steps()) with { InFlightBatches = 1, Running = [new(2, Ms(10))], ReportedAt = reported };

        Assert.Equal(15 + 10 + 2, CompletionPredictor.Predict(load, 1, 0.99, Network, reported + Ms(5))!.Value.TotalMilliseconds, 6);
    }

    [Fact]
    public void Predict_InFlightBatchPastItsPercentile_StillCountsATenth()
    {
        var load = Load("m", maxBatch: 8, profile: Steps()) with { InFlightBatches = 1, Running = [new(2, Ms(50))] };

        Assert.Equal(3 + 10 + 2, PredictMs(load), 6);
    }

    [Fact]
    public void Predict_QueueWaitingForABusyInstance_RunsAsOneBatchBeforeTheRequest()
    {
        // 3 queued behind a batch with 20 ms left: their batch (a 3 costs 4's 40 ms), then this one alone.
        var profile = Steps();
        var load = Load("m", queued: 3, maxBatch: 8, profile: profile) with { InFlightBatches = 1, Running = [new(2, Ms(10))] };

        Assert.Equal(20 + 40 + 10 + 2, PredictMs(load), 6);
    }

    [Fact]
    public void Predict_QueueWithAFreeInstance_LeavesBeforeTheRequestArrives()
    {
        // Two instances, one free: the 3 queued go now on it (40 ms); this request waits for the
        // first instance to free (the in-flight one, 20 ms left) and runs alone (10 ms).
        var profile = Steps();
        var load = Load("m", queued: 3, maxBatch: 8, instances: 2, profile: profile) with { InFlightBatches = 1, Running = [new(2, Ms(10))] };

        Assert.Equal(20 + 10 + 2, PredictMs(load), 6);
    }

    [Fact]
    public void Predict_LongQueue_TakenInBatchesOfTheMaxSize()
    {
        // 10 queued behind a busy instance (5 ms left), batches of 4: 4, 4, then 2 (30 ms), then this one.
        var load = Load("m", queued: 10, maxBatch: 4, profile: Steps()) with { InFlightBatches = 1, Running = [new(1, Ms(5))] };

        Assert.Equal(5 + 40 + 40 + 30 + 10 + 2, PredictMs(load), 6);
    }

    [Fact]
    public void Predict_LowerPriorityQueue_IsNotAhead()
    {
        var load = Load("m", p99Ms: 20, queuePerPriority: [0, 5]);

        Assert.Equal(22, PredictMs(load, priority: 1), 6);
        Assert.Equal(122, PredictMs(load, priority: 2), 6);
    }

    [Fact]
    public void Predict_SentSinceReport_CountsAsQueued()
    {
        Assert.Equal(62, PredictMs(Load("m", p99Ms: 20, sent: 2)), 6);
    }

    [Fact]
    public void Predict_MedianClass_UsesP50()
    {
        Assert.Equal(12, PredictMs(Load("m", p50Ms: 10, p99Ms: 20), percentile: 0.5), 6);
    }

    [Fact]
    public void Predict_NoMeasurements_IsUnknown()
    {
        Assert.Null(CompletionPredictor.Predict(Load("m", profile: ServiceTimeProfile.Empty), 1, 0.99, Network));
    }
}
