using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serving.Grpc;

namespace Serving.Router.Tests.Workers;

/// <summary>An in-memory (TestServer) worker exposing a <see cref="FakeWorkerControl"/> over our gRPC layer.</summary>
internal sealed class FakeWorkerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeWorkerHost(WebApplication app, FakeWorkerControl control)
    {
        _app = app;
        Control = control;
    }

    public FakeWorkerControl Control { get; }

    public static async Task<FakeWorkerHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcServer();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        var control = new FakeWorkerControl();
        app.MapGrpcService(control.CreateDefinition());
        await app.StartAsync();
        return new FakeWorkerHost(app, control);
    }

    /// <summary>A channel to this host through the TestServer's handler.</summary>
    public GrpcChannel CreateChannel(Uri address)
    {
        var server = (TestServer)_app.Services.GetRequiredService<IServer>();
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = server.CreateHandler(), DisposeHttpHandler = true });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
