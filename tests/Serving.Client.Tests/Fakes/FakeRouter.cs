using Serving.Protocol;
using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serving.Client.Internal;
using Serving.Grpc;
using Serving.Protocol.Inference;
using Serving.Protocol.V1;

namespace Serving.Testing.Fakes;

/// <summary>One call as the fake router received it.</summary>
/// <param name="Method">Method name, e.g. <c>Verify</c>.</param>
/// <param name="Headers">Request metadata.</param>
/// <param name="Deadline">The deadline the server derived from <c>grpc-timeout</c> (UTC, server clock); <see cref="DateTime.MaxValue"/> when none.</param>
/// <param name="Options">The task request's options (null for v2 and status calls).</param>
/// <param name="Sequence">1-based arrival number over all methods.</param>
internal sealed record ReceivedCall(string Method, Metadata Headers, DateTime Deadline, RequestOptions? Options, int Sequence);

/// <summary>
/// A stand-in for the router over real gRPC on loopback (Kestrel h2c, our gRPC layer): FaceService,
/// SegmentationService, ClusterService and GRPCInferenceService with canned answers. Tests steer
/// it with <see cref="Behaviour"/>: throw an <see cref="RpcException"/> to fail a call, await a
/// <see cref="TaskCompletionSource"/> to stall it.
/// </summary>
internal sealed class FakeRouter : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedCall> _calls = new();
    private int _sequence;

    private FakeRouter(WebApplication app, int port)
    {
        _app = app;
        Endpoint = "127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string Endpoint { get; }

    /// <summary>Calls received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedCall> Calls => _calls.ToArray();

    /// <summary>Runs before each answer; may throw <see cref="RpcException"/> or wait. Null = answer at once.</summary>
    public Func<ReceivedCall, Task>? Behaviour { get; set; }

    /// <summary>The variant every task answer names, per method (default <c>fake-heavy</c>).</summary>
    public Func<ReceivedCall, string> Variant { get; set; } = _ => "fake-heavy";

    /// <summary>What GetStatus answers.</summary>
    public ClusterStatus Status { get; set; } = DefaultStatus();

    public static ClusterStatus DefaultStatus() => new()
    {
        Ready = true,
        Selector = "slo-aware",
        DefaultSloClass = "standard",
        SloClasses =
        {
            new SloClassInfo { Name = "interactive", BudgetMs = 100, Percentile = 99 },
            new SloClassInfo { Name = "standard", BudgetMs = 300, Percentile = 99 },
            new SloClassInfo { Name = "batch", BudgetMs = 2000, Percentile = 50 },
        },
        Tasks =
        {
            new Serving.Protocol.V1.TaskStatus
            {
                Task = "face-verification", Ready = true,
                Variants =
                {
                    new VariantStatus { Name = "fake-heavy", Quality = 0.99, Selectable = true, ReadyWorkers = { "w1" } },
                    new VariantStatus { Name = "fake-light", Quality = 0.9, Selectable = true, ReadyWorkers = { "w1", "w2" } },
                },
            },
            new Serving.Protocol.V1.TaskStatus
            {
                Task = "person-segmentation", Ready = true,
                Variants = { new VariantStatus { Name = "fake-selfie", Quality = 0.87, Selectable = true, ReadyWorkers = { "w2" } } },
            },
        },
        Workers =
        {
            new WorkerStatus
            {
                Id = "w1", Address = "127.0.0.1:9001", Connected = true, Breaker = "closed", ReportAgeMs = 12,
                Models = { new WorkerModelStatus { Model = "fake-heavy", Ready = true, Queued = 3, InFlightBatches = 1, P50Ms = 20, P99Ms = 35 } },
            },
            new WorkerStatus
            {
                Id = "w2", Address = "127.0.0.1:9002", Connected = true, Breaker = "closed", ReportAgeMs = 8,
                Models = { new WorkerModelStatus { Model = "fake-selfie", Ready = true, P50Ms = 5, P99Ms = 9 } },
            },
        },
    };

    public static async Task<FakeRouter> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcServer();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenGrpc(new IPEndPoint(IPAddress.Loopback, 0)));
        var app = builder.Build();
        FakeRouter? self = null;
        Func<FakeRouter> get = () => self!;
        app.MapGrpcService(ServiceDefinition.CreateBuilder()
            .AddUnary(FaceMethods.Verify, (r, c) => get().AnswerAsync("Verify", r.Options, c, v => new VerifyResponse { Same = true, Score = 0.7f, Threshold = 0.3f, ServedBy = v }))
            .AddUnary(FaceMethods.Embed, (r, c) => get().AnswerAsync("Embed", r.Options, c, v => new EmbedResponse { Embedding = { 0.6f, 0.8f }, ServedBy = v }))
            .AddUnary(FaceMethods.Detect, (r, c) => get().AnswerAsync("Detect", r.Options, c, v => new DetectResponse
            {
                Faces = { new Face { Box = new Box { X1 = 1, Y1 = 2, X2 = 30, Y2 = 40 }, Score = 0.95f } },
                ServedBy = v,
            }))
            .Build());
        app.MapGrpcService(ServiceDefinition.CreateBuilder()
            .AddUnary(SegmentationMethods.Segment, (r, c) => get().AnswerAsync("Segment", r.Options, c, v => new SegmentResponse
            {
                MaskPng = ByteString.CopyFrom(1, 2, 3, 4), ForegroundFraction = 0.25, Width = 2, Height = 2, ServedBy = v,
            }))
            .Build());
        app.MapGrpcService(ServiceDefinition.CreateBuilder()
            .AddUnary(ClusterMethods.GetStatus, (_, c) => get().AnswerAsync("GetStatus", null, c, _ => get().Status.Clone()))
            .Build());
        app.MapGrpcService(ServiceDefinition.CreateBuilder()
            .AddUnary(InferenceMethods.ModelInfer, (r, c) => get().AnswerAsync("ModelInfer", null, c, _ => new ModelInferResponse { ModelName = r.ModelName, Id = r.Id }))
            .Build());
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        self = new FakeRouter(app, new Uri(address).Port);
        return self;
    }

    private async Task<T> AnswerAsync<T>(string method, RequestOptions? options, ServerCallContext context, Func<ServedBy, T> answer)
    {
        var call = new ReceivedCall(method, context.RequestHeaders, context.Deadline, options, Interlocked.Increment(ref _sequence));
        _calls.Enqueue(call);
        if (Behaviour is { } behaviour)
        {
            await behaviour(call);
        }

        return answer(new ServedBy { Variant = Variant(call), Worker = "w1", QueueMs = 1, ComputeMs = 2, TotalMs = 4, SelectionReason = "best_fit" });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
