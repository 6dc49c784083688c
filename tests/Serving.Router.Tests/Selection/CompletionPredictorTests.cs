using Serving.Router.Selection;
using static Serving.Router.Tests.Infrastructure.Snapshots;

namespace Serving.Router.Tests.Selection;

public sealed class CompletionPredictorTests
{
    private static readonly TimeSpan Network = TimeSpan.FromMilliseconds(2);

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
    public void Predict_InFlightBatch_CountsAsWorkAhead()
    {
        Assert.Equal(42, PredictMs(Load("m", p99Ms: 20, inFlight: 1)), 6);
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
