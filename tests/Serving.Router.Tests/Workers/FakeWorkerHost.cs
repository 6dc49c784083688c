using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
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

    /// <summary>The loopback address (Kestrel hosts only).</summary>
    public Uri? LoopbackAddress { get; private set; }

    /// <summary>Starts the fake in memory (TestServer) or, with <paramref name="loopback"/>, on a free 127.0.0.1 port (h2c).</summary>
    public static async Task<FakeWorkerHost> StartAsync(bool loopback = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcServer();
        if (loopback)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenGrpc(new IPEndPoint(IPAddress.Loopback, 0)));
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        var app = builder.Build();
        var control = new FakeWorkerControl();
        app.MapGrpcService(control.CreateDefinition());
        await app.StartAsync();
        var host = new FakeWorkerHost(app, control);
        if (loopback)
        {
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            host.LoopbackAddress = new Uri(address);
        }

        return host;
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
