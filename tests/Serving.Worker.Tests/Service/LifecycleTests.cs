using Serving.Protocol;
using System.Collections.Concurrent;
using Serving.Grpc;
using Serving.Protocol.Inference;
using Serving.Worker.Inference;
using Serving.Worker.Service;
using Serving.Worker.Tests.Infrastructure;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Serving.Worker.Tests.Service;

/// <summary>Graceful stop, run-time load/unload under traffic, and a saturated worker with tight deadlines.</summary>
public sealed class LifecycleTests : IDisposable
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(60);
    private readonly TestRepository _repository = new();

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task GracefulStop_QueuedAndInFlightRequests_AllCompleteAndNewOnesGetUnavailable()
    {
        _repository.AddDoubler(config: TestRepository.DoublerConfig("doubler", maxBatchSize: 2));
        var host = await WorkerTestHost.StartAsync(_repository.Path);
        await using var _ = host;
        using var channel = host.CreateChannel();
        var model = host.Models.Resolve("doubler", "");
        using var gate = new ManualResetEventSlim(false);
        var firstStarted = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        model.BatchStarted += record =>
        {
            if (firstStarted.TrySetResult(record.BatchSize))
            {
                gate.Wait(SafetyTimeout);
            }
        };

        var allAccepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void CheckAccepted()
        {
            if (firstStarted.Task.IsCompleted && model.GetLoad().QueuedRequests + firstStarted.Task.Result == 6)
            {
                allAccepted.TrySetResult();
            }
        }

        model.LoadChanged += CheckAccepted;
        var calls = Enumerable.Range(1, 6).Select(i =>
            channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, WorkerTestHost.DoublerRequest([i, 0, 0, 0])).ResponseAsync).ToArray();
        await firstStarted.Task.WaitAsync(SafetyTimeout);
        CheckAccepted();
        await allAccepted.Task.WaitAsync(SafetyTimeout);

        var shuttingDown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Models.StateChanged += () =>
        {
            if (host.Models.IsShuttingDown)
            {
                shuttingDown.TrySetResult();
            }
        };
        var stop = host.StopAsync();
        await shuttingDown.Task.WaitAsync(SafetyTimeout);

        Assert.Equal(ServingStatus.NotServing, host.Health.GetStatus(""));
        var refused = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, WorkerTestHost.DoublerRequest([9, 9, 9, 9])).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);

        gate.Set();
        var responses = await Task.WhenAll(calls).WaitAsync(SafetyTimeout);
        await stop.WaitAsync(SafetyTimeout);

        for (var i = 0; i < responses.Length; i++)
        {
            Assert.Equal([2f * (i + 1), 0, 0, 0], WorkerTestHost.Floats(responses[i].RawOutputContents[0]));
        }
    }

    [Fact]
    public async Task LoadUnload_UnderTraffic_ReloadsLoseNothingAndUnloadOnlyRefusesWithUnavailable()
    {
        _repository.AddDoubler();
        await using var host = await WorkerTestHost.StartAsync(_repository.Path);
        using var channel = host.CreateChannel();
        var unloading = 0;
        var stop = new CancellationTokenSource();
        var outcomes = new ConcurrentBag<(StatusCode Code, bool AfterUnload)>();
        var enoughTraffic = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clients = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                // Classified when it completes: a request that finished before the unload began must have succeeded.
                try
                {
                    var response = await channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, WorkerTestHost.DoublerRequest([c, n, 0, 0])).ResponseAsync;
                    Assert.Equal([2f * c, 2f * n, 0, 0], WorkerTestHost.Floats(response.RawOutputContents[0]));
                    outcomes.Add((StatusCode.OK, Volatile.Read(ref unloading) == 1));
                }
                catch (RpcException ex)
                {
                    outcomes.Add((ex.StatusCode, Volatile.Read(ref unloading) == 1));
                }

                if (outcomes.Count >= 40)
                {
                    enoughTraffic.TrySetResult();
                }
            }
        })).ToArray();

        for (var i = 0; i < 3; i++)
        {
            await channel.CallInvoker.UnaryAsync(InferenceMethods.RepositoryModelLoad, new RepositoryModelLoadRequest { ModelName = "doubler" }).ResponseAsync.WaitAsync(SafetyTimeout);
        }

        var bad = new RepositoryModelLoadRequest { ModelName = "doubler" };
        bad.Parameters["config"] = new ModelRepositoryParameter { StringParam = """{"name": "doubler", "max_batch_size": 4, "inputs": [{"name": "nope", "datatype": "FP32", "dims": [4]}], "outputs": [{"name": "y", "datatype": "FP32", "dims": [4]}]}""" };
        var failed = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(InferenceMethods.RepositoryModelLoad, bad).ResponseAsync);
        Assert.Contains("'nope' is not in model version 1", failed.Status.Detail, StringComparison.Ordinal);

        await enoughTraffic.Task.WaitAsync(SafetyTimeout);
        Volatile.Write(ref unloading, 1);
        await channel.CallInvoker.UnaryAsync(InferenceMethods.RepositoryModelUnload, new RepositoryModelUnloadRequest { ModelName = "doubler" }).ResponseAsync.WaitAsync(SafetyTimeout);
        while (outcomes.Count(o => o.AfterUnload && o.Code == StatusCode.Unavailable) < 4)
        {
            await Task.Yield();
            Assert.False(clients.Any(t => t.IsFaulted), "a client failed");
        }

        stop.Cancel();
        await Task.WhenAll(clients).WaitAsync(SafetyTimeout);

        Assert.All(outcomes.Where(o => !o.AfterUnload), o => Assert.Equal(StatusCode.OK, o.Code));
        Assert.All(outcomes.Where(o => o.AfterUnload), o => Assert.Contains(o.Code, new[] { StatusCode.OK, StatusCode.Unavailable }));
        Assert.False((await channel.CallInvoker.UnaryAsync(InferenceMethods.ModelReady, new ModelReadyRequest { Name = "doubler" }).ResponseAsync).Ready);
    }

    [Fact]
    public async Task Saturated_500RequestsWith50msDeadlines_EndOkDeadlineOrExhaustedAndNoneComputedLate()
    {
        _repository.AddSlow("slow", maxBatchSize: 4, maxQueueSize: 16);
        await using var host = await WorkerTestHost.StartAsync(_repository.Path);
        using var channel = host.CreateChannel();
        var model = host.Models.Resolve("slow", "");
        var starts = new ConcurrentBag<BatchStartRecord>();
        model.BatchStarted += starts.Add;
        ModelInferRequest Request(int i)
        {
            var request = WorkerTestHost.DoublerRequest([i, 1, 2, 3]);
            request.ModelName = "slow";
            return request;
        }

        // Warm up: the session's first run and the service-time profile.
        for (var i = 0; i < 3; i++)
        {
            await channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, Request(i)).ResponseAsync.WaitAsync(SafetyTimeout);
        }

        var calls = Enumerable.Range(0, 500).Select(async i =>
        {
            try
            {
                await channel.CallInvoker.UnaryAsync(InferenceMethods.ModelInfer, Request(i), CallOptions.WithTimeout(TimeSpan.FromMilliseconds(50))).ResponseAsync;
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        }).ToArray();
        var codes = await Task.WhenAll(calls).WaitAsync(SafetyTimeout);

        var summary = string.Join(", ", codes.GroupBy(c => c).Select(g => $"{g.Key}={g.Count()}"));
        Assert.All(codes, code => Assert.Contains(code, new[] { StatusCode.OK, StatusCode.DeadlineExceeded, StatusCode.ResourceExhausted }));
        Assert.True(codes.Count(c => c != StatusCode.OK) > 0, "the worker was not saturated: " + summary);
        Assert.NotEmpty(starts);
        Assert.All(starts, record => Assert.All(record.Deadlines, deadline => Assert.True(record.StartedAt < deadline, $"started {record.StartedAt:O} after deadline {deadline:O}")));
    }
}
