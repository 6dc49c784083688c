using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serving.Grpc.Internal;

namespace Serving.Grpc;

/// <summary>ASP.NET Core wiring: <c>services.AddGrpcServer()</c>, <c>app.MapGrpcService(definition)</c>, <c>kestrel.ListenGrpc(...)</c>.</summary>
public static class GrpcServerExtensions
{
    /// <summary>
    /// Registers the gRPC server runtime and its options, and gives Kestrel a memory pool of 32 KiB
    /// blocks (instead of 4 KiB) for the large messages of inference (register another
    /// <c>IMemoryPoolFactory&lt;byte&gt;</c> after this call to replace it).
    /// </summary>
    public static IServiceCollection AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddRouting();
        services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddSingleton<GrpcServerRuntime>();
        // Kestrel's transports take their buffers from the last registered factory (the host builder
        // registered Kestrel's default before this): 32 KiB blocks, see ServerMemoryPool.
        services.AddSingleton<IMemoryPoolFactory<byte>, ServerMemoryPoolFactory>();
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, UnimplementedMethodFilter>());
        return services;
    }

    /// <summary>
    /// Maps every method of <paramref name="definition"/> to its <c>/service/method</c> path. gRPC
    /// requests for unknown methods get UNIMPLEMENTED from the end of the pipeline (registered by
    /// <see cref="AddGrpcServer"/>); non-gRPC requests to unknown paths are left to the app (404).
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService(this IEndpointRouteBuilder endpoints, ServiceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(definition);
        var runtime = endpoints.ServiceProvider.GetService<GrpcServerRuntime>()
            ?? throw new InvalidOperationException("Call services.AddGrpcServer() before MapGrpcService.");

        var builders = new List<IEndpointConventionBuilder>();
        foreach (var method in definition.Methods)
        {
            var handler = method;
            builders.Add(endpoints.Map(handler.Path, http => handler.HandleAsync(http, runtime)).WithDisplayName("gRPC " + handler.Path));
        }

        return new CompositeConventionBuilder(builders);
    }

    /// <summary>
    /// Listens on <paramref name="endpoint"/> for gRPC: HTTP/2 with TLS when
    /// <paramref name="certificate"/> is given (ALPN "h2"; HTTP/1.1 also offered for tooling),
    /// otherwise cleartext HTTP/2 with prior knowledge (h2c), meant for loopback and trusted networks.
    /// </summary>
    public static void ListenGrpc(this KestrelServerOptions kestrel, IPEndPoint endpoint, X509Certificate2? certificate = null)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(endpoint);
        kestrel.Listen(endpoint, listen =>
        {
            if (certificate is null)
            {
                listen.Protocols = HttpProtocols.Http2;
            }
            else
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            }
        });
    }

    /// <summary>As <see cref="ListenGrpc(KestrelServerOptions, IPEndPoint, X509Certificate2?)"/>, with the certificate (if any) named by <paramref name="options"/>.</summary>
    public static void ListenGrpc(this KestrelServerOptions kestrel, IPEndPoint endpoint, GrpcServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        kestrel.ListenGrpc(endpoint, options.CertificatePath is null ? null : LoadCertificate(options.CertificatePath, options.CertificatePassword));
    }

    /// <summary>Loads a PKCS#12 (.pfx/.p12) certificate with its private key.</summary>
    public static X509Certificate2 LoadCertificate(string path, string? password) =>
        X509CertificateLoader.LoadPkcs12FromFile(path, password);

    private static Task HandleUnknownMethodAsync(HttpContext http, GrpcServerRuntime runtime)
    {
        if (!ServerMethodHandler.ValidateRequest(http, runtime))
        {
            return Task.CompletedTask;
        }

        var path = http.Request.Path.Value ?? string.Empty;
        ServerLog.UnknownMethod(runtime.Logger, path);

        // Trailers-only response: HTTP 200 whose headers carry the status (PROTOCOL-HTTP2.md).
        var response = http.Response;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = GrpcProtocol.StatusValue(StatusCode.Unimplemented);
        response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode($"Method {path} is unimplemented.");
        return Task.CompletedTask;
    }

    /// <summary>
    /// Answers gRPC requests that reached the end of the pipeline (no endpoint took them) with
    /// UNIMPLEMENTED. A terminal middleware rather than a catch-all route: a catch-all would be a
    /// routing candidate for every call (its captured values and constraint evaluated per request).
    /// </summary>
    private sealed class UnimplementedMethodFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            var runtime = app.ApplicationServices.GetRequiredService<GrpcServerRuntime>();
            app.Use((http, rest) => GrpcProtocol.IsAnyGrpcContentType(http.Request.ContentType)
                ? HandleUnknownMethodAsync(http, runtime)
                : rest(http));
        };
    }

    private sealed class CompositeConventionBuilder(List<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
