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
using Serving.Grpc.Health;
using Serving.Protocol.Inference;
using Serving.Worker.Inference;
using Serving.Worker.Service;

namespace Serving.Worker.Tests.Infrastructure;

/// <summary>A worker app over a repository, in memory (TestServer) or on a loopback port.</summary>
internal sealed class WorkerTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private WorkerTestHost(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = new("http://localhost");

    public ModelManager Models => _app.Services.GetRequiredService<ModelManager>();

    public HealthServiceImpl Health => _app.Services.GetRequiredService<HealthServiceImpl>();

    public WorkerControlService Control => _app.Services.GetRequiredService<WorkerControlService>();

    public static async Task<WorkerTestHost> StartAsync(string repository, bool loopback = false, Action<WorkerOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddServingWorker(options =>
        {
            options.RepositoryPath = repository;
            options.Threads = 1;
            options.GracePeriod = TimeSpan.FromSeconds(20);
            configure?.Invoke(options);
        });
        if (loopback)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenGrpc(new IPEndPoint(IPAddress.Loopback, 0)));
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        var app = builder.Build();
        app.MapServingWorker();
        await app.StartAsync();
        var host = new WorkerTestHost(app);
        if (loopback)
        {
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            host.Address = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        }

        return host;
    }

    public GrpcChannel CreateChannel()
    {
        var options = new GrpcChannelOptions();
        if (_app.Services.GetService<IServer>() is TestServer server)
        {
            options.HttpHandler = server.CreateHandler();
            options.DisposeHttpHandler = true;
        }

        return GrpcChannel.ForAddress(Address, options);
    }

    /// <summary>The graceful stop SIGTERM triggers.</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            await _app.StopAsync();
        }

        await _app.DisposeAsync();
    }

    public static ModelInferRequest DoublerRequest(params float[][] rows)
    {
        var request = new ModelInferRequest { ModelName = "doubler" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32" };
        input.Shape.AddRange([rows.Length, 4]);
        request.Inputs.Add(input);
        request.RawInputContents.Add(ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(rows.SelectMany(r => r).ToArray().AsSpan())));
        return request;
    }

    public static float[] Floats(ByteString bytes) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.Span).ToArray();
}
