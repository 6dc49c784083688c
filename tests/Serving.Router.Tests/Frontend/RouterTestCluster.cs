using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serving.Grpc;
using Serving.Protocol;
using Serving.Protocol.Inference;
using Serving.Protocol.V1;
using Serving.Router.Selection;
using Serving.Router.Tests.Workers;
using Serving.Telemetry;

namespace Serving.Router.Tests.Frontend;

/// <summary>
/// The whole router (front ends, selection, dispatch) in memory, over one fake worker on loopback
/// whose load reports the test writes and whose ModelInfer answers at once (recording the model).
/// </summary>
internal sealed class RouterTestCluster : IAsyncDisposable
{
    private readonly WebApplication _worker;
    private readonly WebApplication _router;
    private FakeWorkerControl.Connection _stream = null!;

    private readonly List<string> _inferred;

    private RouterTestCluster(WebApplication worker, WebApplication router, FakeWorkerControl control, List<string> inferred)
    {
        _worker = worker;
        _router = router;
        _inferred = inferred;
        Control = control;
    }

    public FakeWorkerControl Control { get; }

    /// <summary>When set, the worker answers ModelInfer of the models it names with this status instead of a result.</summary>
    public Func<string, Status?>? FailModel { get; set; }

    /// <summary>When set, the worker holds ModelInfer of the models it names until the call is cancelled.</summary>
    public Func<string, bool>? StallModel { get; set; }

    /// <summary>Completes with the model name when a stalled call was cancelled.</summary>
    public TaskCompletionSource<string> StallsCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string WorkerAddress { get; private set; } = "";

    /// <summary>Heavy (quality 0.9995) and light (0.999) variants of face-embedding, both taking "input" [1, 3, 4, 4].</summary>
    public static IReadOnlyList<VariantInfo> Variants { get; } =
    [
        new("heavy", "face-embedding", 0.9995) { Input = new VariantInput("input", [3, 4, 4], Batched: true) },
        new("light", "face-embedding", 0.999) { Input = new VariantInput("input", [3, 4, 4], Batched: true) },
    ];

    public static async Task<RouterTestCluster> StartAsync(Action<RouterOptions>? configure = null)
    {
        var workerBuilder = WebApplication.CreateSlimBuilder();
        workerBuilder.Logging.ClearProviders();
        workerBuilder.Services.AddGrpcServer();
        workerBuilder.WebHost.ConfigureKestrel(k => k.ListenGrpc(new IPEndPoint(IPAddress.Loopback, 0)));
        var worker = workerBuilder.Build();
        var control = new FakeWorkerControl();
        var inferred = new List<string>();
        worker.MapGrpcService(control.CreateDefinition());
        RouterTestCluster? self = null;
        worker.MapGrpcService(ServiceDefinition.CreateBuilder().AddUnary(InferenceMethods.ModelInfer, async (request, context) =>
        {
            lock (inferred)
            {
                inferred.Add(request.ModelName);
            }

            if (self?.FailModel?.Invoke(request.ModelName) is { } failure)
            {
                throw new RpcException(failure);
            }

            if (self?.StallModel?.Invoke(request.ModelName) == true)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                }
                finally
                {
                    self.StallsCancelled.TrySetResult(request.ModelName);
                }
            }

            var response = new ModelInferResponse { ModelName = request.ModelName, ModelVersion = "1", Id = request.Id };
            response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "output", Datatype = "FP32", Shape = { 1, 2 } });
            response.RawOutputContents.Add(ByteString.CopyFrom(new byte[8]));
            return response;
        }).Build());
        await worker.StartAsync();
        var address = worker.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();

        var routerBuilder = WebApplication.CreateSlimBuilder();
        routerBuilder.Logging.ClearProviders();
        routerBuilder.WebHost.UseTestServer();
        routerBuilder.Services.AddServingTelemetry(_ => { });
        routerBuilder.Services.AddServingRouter(options =>
        {
            options.Workers.Add(address);
            options.Variants.AddRange(Variants);
            options.SloClasses.Classes["impossible"] = new SloClassSettings { BudgetMs = 1, Percentile = 99 };
            configure?.Invoke(options);
        });
        var router = routerBuilder.Build();
        router.MapServingRouter();
        router.MapPrometheusMetrics();
        await router.StartAsync();

        var cluster = new RouterTestCluster(worker, router, control, inferred) { WorkerAddress = new Uri(address).Authority };
        self = cluster;
        cluster._stream = await control.NextConnectionAsync();
        return cluster;
    }

    /// <summary>Model names the worker was asked to run, so far.</summary>
    public string[] InferredModels()
    {
        lock (_inferred)
        {
            return [.. _inferred];
        }
    }

    /// <summary>Publishes a load report: both variants ready, measured at 10 ms (light) and 200 ms (heavy) per batch of one (3 s per batch of 32), heavy with <paramref name="heavyQueued"/> queued.</summary>
    public async Task ReportAsync(int heavyQueued = 0)
    {
        var report = new LoadReport { WorkerId = "fake", TimestampUnixNanos = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000 };
        report.Models.Add(Load("heavy", heavyQueued, p99Us: 200_000, batch32P99Us: 3_000_000));
        report.Models.Add(Load("light", 0, p99Us: 10_000, batch32P99Us: 80_000));
        var tracker = _router.Services.GetRequiredService<Serving.Router.Workers.WorkerLoadTracker>();
        var published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnPublished(object? sender, ClusterSnapshot snapshot)
        {
            if (snapshot.Workers.Any(w => w.Reachable && w.Models.TryGetValue("heavy", out var load) && load.QueuedAtOrAbove(1) == heavyQueued))
            {
                published.TrySetResult();
            }
        }

        tracker.Published += OnPublished;
        try
        {
            _stream.Push(report);
            await published.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            tracker.Published -= OnPublished;
        }

        static ModelLoad Load(string name, int queued, ulong p99Us, ulong batch32P99Us)
        {
            var load = new ModelLoad { ModelName = name, ModelVersion = "1", Ready = true, MaxBatchSize = 32, InstanceCount = 1 };
            load.QueueLengthPerPriority.Add((uint)queued);
            load.ServiceTimes.Add(new Serving.Protocol.V1.BatchServiceTime { BatchSize = 1, P50Us = p99Us / 2, P99Us = p99Us, SampleCount = 10 });
            load.ServiceTimes.Add(new Serving.Protocol.V1.BatchServiceTime { BatchSize = 32, P50Us = batch32P99Us / 2, P99Us = batch32P99Us, SampleCount = 10 });
            return load;
        }
    }

    public GrpcChannel CreateChannel()
    {
        var server = (TestServer)_router.Services.GetRequiredService<IServer>();
        return GrpcChannel.ForAddress(new Uri("http://router"), new GrpcChannelOptions { HttpHandler = server.CreateHandler(), DisposeHttpHandler = true });
    }

    public HttpClient CreateHttpClient() => ((TestServer)_router.Services.GetRequiredService<IServer>()).CreateClient();

    /// <summary>A v2 request for <paramref name="model"/> (a task alias or a variant).</summary>
    public static ModelInferRequest Request(string model, string? sloClass = null)
    {
        var request = new ModelInferRequest { ModelName = model };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 1, 3, 4, 4 } });
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[4 * 3 * 4 * 4]));
        if (sloClass is not null)
        {
            request.Parameters["slo_class"] = new InferParameter { StringParam = sloClass };
        }

        return request;
    }

    public async ValueTask DisposeAsync()
    {
        await _router.StopAsync();
        await _router.DisposeAsync();
        await _worker.StopAsync();
        await _worker.DisposeAsync();
    }
}
