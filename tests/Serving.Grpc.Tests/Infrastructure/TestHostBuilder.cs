using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serving.Grpc.Health;

namespace Serving.Grpc.Tests.Infrastructure;

/// <summary>An app hosting the echo and health services, in memory (TestServer) or on a loopback Kestrel port.</summary>
internal sealed class GrpcTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcTestHost(WebApplication app, EchoService echo, HealthServiceImpl health, ManualTimeProvider? time)
    {
        _app = app;
        Echo = echo;
        Health = health;
        ServerTime = time;
    }

    public EchoService Echo { get; }

    public HealthServiceImpl Health { get; }

    public ManualTimeProvider? ServerTime { get; }

    /// <summary>The server address (loopback hosts) or http://localhost (in memory).</summary>
    public Uri Address { get; private set; } = new("http://localhost");

    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _app.Services;

    public TestServer? TestServer => _app.Services.GetService<IServer>() as TestServer;

    /// <summary>An in-memory host; the server's clock is a <see cref="ManualTimeProvider"/> unless <paramref name="useManualTime"/> is false.</summary>
    public static Task<GrpcTestHost> StartInMemoryAsync(Action<GrpcServerOptions>? configure = null, Action<IEndpointRouteBuilder>? map = null, bool useManualTime = true) =>
        StartAsync(inMemory: true, certificate: null, configure, map, useManualTime);

    /// <summary>A Kestrel host on 127.0.0.1 with a free port (h2c, or TLS with <paramref name="certificate"/>).</summary>
    public static Task<GrpcTestHost> StartLoopbackAsync(X509Certificate2? certificate = null, Action<GrpcServerOptions>? configure = null, Action<IEndpointRouteBuilder>? map = null, bool useManualTime = false) =>
        StartAsync(inMemory: false, certificate, configure, map, useManualTime);

    private static async Task<GrpcTestHost> StartAsync(bool inMemory, X509Certificate2? certificate, Action<GrpcServerOptions>? configure, Action<IEndpointRouteBuilder>? map, bool useManualTime)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var time = useManualTime ? new ManualTimeProvider() : null;
        builder.Services.AddGrpcServer(options =>
        {
            if (time is not null)
            {
                options.TimeProvider = time;
            }

            configure?.Invoke(options);
        });

        if (inMemory)
        {
            builder.WebHost.UseTestServer();
        }
        else
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenGrpc(new IPEndPoint(IPAddress.Loopback, 0), certificate));
        }

        var app = builder.Build();
        var echo = new EchoService();
        var health = new HealthServiceImpl();
        app.MapGrpcService(echo.CreateDefinition());
        app.MapGrpcService(health.CreateDefinition());
        map?.Invoke(app);
        await app.StartAsync();

        var host = new GrpcTestHost(app, echo, health, time);
        if (!inMemory)
        {
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            host.Address = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        }

        return host;
    }

    /// <summary>A channel to this host (through the TestServer handler when in memory).</summary>
    public GrpcChannel CreateChannel(Action<GrpcChannelOptions>? configure = null)
    {
        var options = new GrpcChannelOptions();
        if (TestServer is { } server)
        {
            options.HttpHandler = server.CreateHandler();
            options.DisposeHttpHandler = true;
        }

        configure?.Invoke(options);
        return GrpcChannel.ForAddress(Address, options);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
