using System.Threading.Channels;
using Serving.Protocol.V1;
using Serving.Router.Discovery;
using Serving.Router.Selection;
using Serving.Router.Tests.Infrastructure;
using Serving.Router.Workers;

namespace Serving.Router.Tests.Workers;

public sealed class WorkerLoadTrackerTests : IAsyncLifetime
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(10);
    private static readonly WorkerEndpoint W1 = WorkerEndpoint.Parse("w1:8001");
    private static readonly WorkerEndpoint W2 = WorkerEndpoint.Parse("w2:8001");

    private readonly ManualTimeProvider _time = new();
    private readonly Dictionary<string, FakeWorkerHost> _hosts = new(StringComparer.Ordinal);
    private readonly Channel<(string Worker, TimeSpan Delay)> _reconnects = Channel.CreateUnbounded<(string, TimeSpan)>();
    private readonly LoadTrackerOptions _options = new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(100),
        MaxBackoff = TimeSpan.FromSeconds(1),
        StaleAfter = TimeSpan.FromSeconds(2),
    };

    private WorkerChannelPool _pool = null!;
    private MutableDiscovery _discovery = null!;
    private WorkerLoadTracker _tracker = null!;

    public async Task InitializeAsync()
    {
        _hosts["w1:8001"] = await FakeWorkerHost.StartAsync();
        _hosts["w2:8001"] = await FakeWorkerHost.StartAsync();
        _pool = new WorkerChannelPool(endpoint => _hosts[endpoint.Id].CreateChannel(endpoint.Address));
        _discovery = new MutableDiscovery(W1);
        _tracker = new WorkerLoadTracker(_discovery, _pool, _options, _time, new SeededRandomFactory());
        _tracker.ReconnectScheduled += (worker, delay) => _reconnects.Writer.TryWrite((worker, delay));
    }

    public async Task DisposeAsync()
    {
        await _tracker.DisposeAsync();
        _pool.Dispose();
        foreach (var host in _hosts.Values)
        {
            await host.DisposeAsync();
        }
    }

    private FakeWorkerControl Control(WorkerEndpoint endpoint) => _hosts[endpoint.Id].Control;

    private static LoadReport Report(string worker, uint queued = 0, bool ready = true, string model = "face-embed") => new()
    {
        WorkerId = worker,
        Models =
        {
            new ModelLoad
            {
                ModelName = model,
                ModelVersion = "3",
                Ready = ready,
                QueueLengthPerPriority = { queued, 1 },
                InFlightBatches = 1,
                MaxBatchSize = 8,
                InstanceCount = 2,
                ServiceTimes =
                {
                    new Serving.Protocol.V1.BatchServiceTime { BatchSize = 1, P50Us = 4_000, P99Us = 9_000, SampleCount = 100 },
                    new Serving.Protocol.V1.BatchServiceTime { BatchSize = 8, P50Us = 12_000, P99Us = 20_000, SampleCount = 50 },
                },
                InFlight = { new InFlightBatch { BatchSize = 6, ElapsedUs = 7_000 } },
            },
        },
    };

    /// <summary>The first snapshot (current or future) satisfying <paramref name="condition"/>.</summary>
    private Task<ClusterSnapshot> WaitForAsync(Func<ClusterSnapshot, bool> condition)
    {
        var found = new TaskCompletionSource<ClusterSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnPublished(object? sender, ClusterSnapshot snapshot)
        {
            if (condition(snapshot))
            {
                found.TrySetResult(snapshot);
            }
        }

        _tracker.Published += OnPublished;
        if (condition(_tracker.Current))
        {
            found.TrySetResult(_tracker.Current);
        }

        return found.Task.WaitAsync(SafetyNet).ContinueWith(
            t =>
            {
                _tracker.Published -= OnPublished;
                return t.GetAwaiter().GetResult();
            },
            TaskScheduler.Default);
    }

    private static WorkerSnapshot? Find(ClusterSnapshot snapshot, WorkerEndpoint endpoint) =>
        snapshot.Workers.FirstOrDefault(w => w.Id == endpoint.Id);

    private static bool IsRoutable(ClusterSnapshot snapshot, WorkerEndpoint endpoint, string model = "face-embed") =>
        Find(snapshot, endpoint)?.RoutableModel(model) is not null;

    [Fact]
    public async Task Start_KnownWorkerBeforeAnyReport_ListedButNotRoutable()
    {
        _tracker.Start();

        var connection = await Control(W1).NextConnectionAsync();

        Assert.Equal("router", connection.Request.Subscriber);
        var worker = Assert.Single(_tracker.Current.Workers);
        Assert.False(worker.Reachable);
    }

    [Fact]
    public async Task Report_Pushed_SnapshotCarriesTheWorkersLoad()
    {
        _tracker.Start();
        var connection = await Control(W1).NextConnectionAsync();

        connection.Push(Report("w1", queued: 5));
        var snapshot = await WaitForAsync(s => IsRoutable(s, W1));

        var load = Find(snapshot, W1)!.Models["face-embed"];
        Assert.Equal("3", load.Version);
        Assert.Equal(new[] { 5, 1 }, load.QueueLengthPerPriority.ToArray());
        Assert.Equal((1, 8, 2), (load.InFlightBatches, load.MaxBatchSize, load.InstanceCount));
        Assert.Equal(TimeSpan.FromMilliseconds(9), load.ServiceTimes.Estimate(1, 0.99));
        Assert.Equal(TimeSpan.FromMilliseconds(12), load.ServiceTimes.Estimate(5, 0.5));
        Assert.Equal([new InFlightBatchSnapshot(6, TimeSpan.FromMilliseconds(7))], load.Running.ToArray());
        Assert.Equal(_time.GetUtcNow(), load.ReportedAt);
    }

    [Fact]
    public async Task Report_ModelNotReady_WorkerReachableButModelNotRoutable()
    {
        _tracker.Start();
        var connection = await Control(W1).NextConnectionAsync();

        connection.Push(Report("w1", ready: false));
        var snapshot = await WaitForAsync(s => Find(s, W1)?.Reachable == true);

        Assert.False(IsRoutable(snapshot, W1));
    }

    [Fact]
    public async Task RecordSent_CountsUntilAReportArrivesLongEnoughAfterIt()
    {
        _tracker.Start();
        var connection = await Control(W1).NextConnectionAsync();
        connection.Push(Report("w1"));
        await WaitForAsync(s => IsRoutable(s, W1));

        _tracker.RecordSent("w1:8001", "face-embed");
        _time.Advance(_options.SentCoverageDelay);
        _tracker.RecordSent("w1:8001", "face-embed");
        Assert.Equal(2, Find(_tracker.Current, W1)!.Models["face-embed"].SentSinceReport);

        // The second was sent just before this report: it may not be in it yet, so it still counts.
        connection.Push(Report("w1", queued: 7));
        var next = await WaitForAsync(s => Find(s, W1)!.Models["face-embed"].QueueLengthPerPriority[0] == 7);
        Assert.Equal(1, Find(next, W1)!.Models["face-embed"].SentSinceReport);

        _time.Advance(_options.SentCoverageDelay);
        connection.Push(Report("w1", queued: 8));
        next = await WaitForAsync(s => Find(s, W1)!.Models["face-embed"].QueueLengthPerPriority[0] == 8);
        Assert.Equal(0, Find(next, W1)!.Models["face-embed"].SentSinceReport);
    }

    [Fact]
    public async Task RecordOutcome_CallsSlowerThanPredicted_RaiseTheModelsCalibrationUntilTheyAgeOut()
    {
        _tracker.Start();
        var connection = await Control(W1).NextConnectionAsync();
        connection.Push(Report("w1"));
        await WaitForAsync(s => IsRoutable(s, W1));
        var calibration = _options.Calibration;
        calibration.MaxAge = TimeSpan.FromSeconds(1); // shorter than StaleAfter, so the stream stays up meanwhile

        for (var i = 0; i < calibration.MinSamples; i++)
        {
            _tracker.RecordOutcome("w1:8001", "face-embed", TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(180));
        }

        Assert.Equal(1.8, Find(_tracker.Current, W1)!.Models["face-embed"].Calibration, 6);
        var predicted = CompletionPredictor.Predict(Find(_tracker.Current, W1)!.Models["face-embed"], 1, 0.99, TimeSpan.Zero)!.Value;
        var uncalibrated = CompletionPredictor.PredictUncalibrated(Find(_tracker.Current, W1)!.Models["face-embed"], 1, 0.99, TimeSpan.Zero)!.Value;
        Assert.Equal(uncalibrated.TotalMilliseconds * 1.8, predicted.TotalMilliseconds, 3);

        // Unknown workers and models are ignored, not tracked.
        _tracker.RecordOutcome("w9:8001", "face-embed", TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(900));

        _time.Advance(TimeSpan.FromSeconds(1.5));
        connection.Push(Report("w1", queued: 3));
        var next = await WaitForAsync(s => Find(s, W1)!.Models["face-embed"].QueueLengthPerPriority[0] == 3);
        Assert.Equal(1, Find(next, W1)!.Models["face-embed"].Calibration);
    }

    [Fact]
    public async Task StreamBreaks_WorkerUnroutableUntilReconnectAfterBackoff()
    {
        _tracker.Start();
        var first = await Control(W1).NextConnectionAsync();
        first.Push(Report("w1"));
        await WaitForAsync(s => IsRoutable(s, W1));

        first.Break();
        var (worker, delay) = await _reconnects.Reader.ReadAsync().AsTask().WaitAsync(SafetyNet);

        Assert.Equal("w1:8001", worker);
        Assert.InRange(delay, TimeSpan.FromMilliseconds(80), TimeSpan.FromMilliseconds(100));
        Assert.False(IsRoutable(_tracker.Current, W1));
        Assert.Equal(1, Control(W1).ConnectionCount);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        var second = await Control(W1).NextConnectionAsync();
        second.Push(Report("w1"));
        await WaitForAsync(s => IsRoutable(s, W1));
    }

    [Fact]
    public async Task StreamEndsCleanly_TreatedAsBroken()
    {
        _tracker.Start();
        var first = await Control(W1).NextConnectionAsync();
        first.Push(Report("w1"));
        await WaitForAsync(s => IsRoutable(s, W1));

        first.End();
        await _reconnects.Reader.ReadAsync().AsTask().WaitAsync(SafetyNet);

        Assert.False(IsRoutable(_tracker.Current, W1));
    }

    [Fact]
    public async Task SilentStream_MarkedStaleCancelledAndResubscribed()
    {
        _tracker.Start();
        var first = await Control(W1).NextConnectionAsync();
        first.Push(Report("w1"));
        await WaitForAsync(s => IsRoutable(s, W1));

        _time.Advance(TimeSpan.FromSeconds(3));

        Assert.False(IsRoutable(_tracker.Current, W1));
        await first.Cancelled;
        await _reconnects.Reader.ReadAsync().AsTask().WaitAsync(SafetyNet);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        var second = await Control(W1).NextConnectionAsync();
        second.Push(Report("w1"));
        await WaitForAsync(s => IsRoutable(s, W1));
    }

    [Fact]
    public async Task ReportsKeepComing_NeverStale()
    {
        _tracker.Start();
        var connection = await Control(W1).NextConnectionAsync();
        for (var i = 1; i <= 5; i++)
        {
            connection.Push(Report("w1", queued: (uint)i));
            var expected = i;
            await WaitForAsync(s => Find(s, W1)?.Models.GetValueOrDefault("face-embed")?.QueueLengthPerPriority[0] == expected);
            _time.Advance(TimeSpan.FromSeconds(1.5));
        }

        Assert.True(IsRoutable(_tracker.Current, W1));
        Assert.Equal(1, Control(W1).ConnectionCount);
    }

    [Fact]
    public async Task DiscoveryAddsAndRemovesWorkers_SubscriptionsFollow()
    {
        _tracker.Start();
        (await Control(W1).NextConnectionAsync()).Push(Report("w1"));
        await WaitForAsync(s => IsRoutable(s, W1));

        _discovery.Add(W2);
        var w2 = await Control(W2).NextConnectionAsync();
        w2.Push(Report("w2"));
        await WaitForAsync(s => IsRoutable(s, W1) && IsRoutable(s, W2));

        _discovery.Remove(W2);

        Assert.Equal(["w1:8001"], _tracker.Current.Workers.Select(w => w.Id));
        await w2.Cancelled;
    }

    [Fact]
    public async Task Dispose_CancelsEveryStream()
    {
        _tracker.Start();
        var connection = await Control(W1).NextConnectionAsync();

        await _tracker.DisposeAsync();

        await connection.Cancelled;
    }
}
