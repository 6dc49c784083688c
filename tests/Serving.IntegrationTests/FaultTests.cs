using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Serving.Grpc;
using Serving.IntegrationTests.Infrastructure;
using Serving.Protocol;
using Serving.Protocol.Inference;
using Serving.Protocol.V1;

namespace Serving.IntegrationTests;

/// <summary>A worker killed under steady traffic: nothing hangs or is lost silently, retries carry accepted requests, its return is noticed.</summary>
public sealed class FaultTests : IAsyncLifetime
{
    private Cluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await Cluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task KillOneOfTwoWorkers_SteadyTraffic_AcceptedRequestsSucceedAndReturnIsNoticed()
    {
        using var channel = _cluster.CreateChannel();
        var outcomes = new ConcurrentBag<StatusCode>();
        using var progress = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource();
        var sent = 0;
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref sent);
                try
                {
                    await channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, EmbeddingRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(10))).ResponseAsync;
                    outcomes.Add(StatusCode.OK);
                }
                catch (RpcException ex)
                {
                    outcomes.Add(ex.StatusCode);
                }

                progress.Release();
            }
        })).ToArray();

        // Traffic first, then the crash in the middle of it.
        await WaitUntilAsync(progress, () => outcomes.Count >= 40);
        _cluster.Workers[0].Kill();
        var afterKill = outcomes.Count;
        await WaitUntilAsync(progress, () => outcomes.Count >= afterKill + 80);

        // The worker comes back on its port; the router must use it again within about a second of it serving.
        var returned = _cluster.RestartWorker(0);
        await returned.WaitServingAsync();
        var back = Stopwatch.StartNew();
        ClusterStatus status;
        do
        {
            status = await channel.CallInvoker.UnaryAsync(ClusterMethods.GetStatus, new GetStatusRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(5))).ResponseAsync;
        }
        while (!status.Workers.Single(w => w.Address == returned.Address).Connected && back.Elapsed < TimeSpan.FromSeconds(30));
        var noticedAfter = back.Elapsed;

        await stop.CancelAsync();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60));

        // Every request ended, with OK or an explicit status a client can act on (no UNKNOWN, no hang).
        Assert.Equal(sent, outcomes.Count);
        var explicitCodes = new[] { StatusCode.OK, StatusCode.Unavailable, StatusCode.ResourceExhausted, StatusCode.DeadlineExceeded };
        Assert.All(outcomes, code => Assert.Contains(code, explicitCodes));
        // Accepted = not refused up front by selection; at least 99% of those succeed through retries.
        var accepted = outcomes.Count(c => c != StatusCode.ResourceExhausted);
        var ok = outcomes.Count(c => c == StatusCode.OK);
        Assert.True(ok >= accepted * 0.99, $"{ok} of {accepted} accepted requests succeeded ({string.Join(", ", outcomes.GroupBy(c => c).Select(g => $"{g.Key} {g.Count()}"))})\n{_cluster.Logs}");
        Assert.True(noticedAfter < TimeSpan.FromSeconds(2), $"the router noticed the returned worker after {noticedAfter.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task StallOneOfTwoWorkers_SteadyTraffic_HedgedAroundAndTakenOutOfSelection()
    {
        using var channel = _cluster.CreateChannel();
        var image = ByteString.CopyFrom(File.ReadAllBytes(Path.Combine(DevData.FaceImages, "img1.jpg")));
        var outcomes = new ConcurrentQueue<(StatusCode Code, string Worker)>();
        var errors = new ConcurrentQueue<string>();
        using var progress = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var answer = await channel.CallInvoker.UnaryAsync(FaceMethods.Embed, new EmbedRequest { Image = image }, CallOptions.WithTimeout(TimeSpan.FromSeconds(20))).ResponseAsync;
                    outcomes.Enqueue((StatusCode.OK, answer.ServedBy.Worker));
                }
                catch (RpcException ex)
                {
                    outcomes.Enqueue((ex.StatusCode, ""));
                    errors.Enqueue(ex.Status.Detail);
                }

                progress.Release();
            }
        })).ToArray();

        var stalled = _cluster.Workers[0];
        try
        {
            await WaitUntilAsync(progress, () => outcomes.Count >= 20);
            // SIGSTOP: the worker keeps its sockets open and accepts, but never answers again.
            stalled.Signal("STOP");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            ClusterStatus status;
            do
            {
                status = await channel.CallInvoker.UnaryAsync(ClusterMethods.GetStatus, new GetStatusRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(5))).ResponseAsync;
            }
            while (status.Workers.Single(w => w.Address == stalled.Address).Connected && clock.Elapsed < TimeSpan.FromSeconds(20));

            Assert.False(status.Workers.Single(w => w.Address == stalled.Address).Connected, "the stalled worker is still routable: " + status);
            var outOfSelection = outcomes.Count;
            await WaitUntilAsync(progress, () => outcomes.Count >= outOfSelection + 20);

            // Requests caught by the stall were hedged to the other worker or failed over when it was
            // taken out: every one ends OK or with an explicit UNAVAILABLE, and at least 99% succeed.
            Assert.All(outcomes, o => Assert.Contains(o.Code, new[] { StatusCode.OK, StatusCode.Unavailable }));
            var ok = outcomes.Count(o => o.Code == StatusCode.OK);
            Assert.True(ok >= outcomes.Count * 0.99, $"{ok} of {outcomes.Count} succeeded: {string.Join("; ", errors)}\n{_cluster.Router.Log}");
            Assert.All(outcomes.Skip(outOfSelection).Where(o => o.Code == StatusCode.OK), o => Assert.Equal(_cluster.Workers[1].Address, o.Worker));
        }
        finally
        {
            await stop.CancelAsync();
            stalled.Signal("CONT");
            await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    private static ModelInferRequest EmbeddingRequest()
    {
        var request = new ModelInferRequest { ModelName = "face-embedding" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 1, 3, 112, 112 } });
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[4 * 3 * 112 * 112]));
        request.Parameters["slo_class"] = new InferParameter { StringParam = "batch" };
        return request;
    }

    // Each finished request releases the semaphore once; the timeout is only a safety net.
    private static async Task WaitUntilAsync(SemaphoreSlim progress, Func<bool> condition)
    {
        while (!condition())
        {
            Assert.True(await progress.WaitAsync(TimeSpan.FromSeconds(90)), "timed out waiting for traffic");
        }
    }
}
