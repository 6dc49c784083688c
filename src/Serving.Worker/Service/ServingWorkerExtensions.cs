using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Serving.Grpc;
using Serving.Grpc.Health;
using Serving.Worker.Inference;
using Serving.Worker.Reporting;

namespace Serving.Worker.Service;

/// <summary>Wiring of the worker: <c>services.AddServingWorker(...)</c> and <c>app.MapServingWorker()</c>.</summary>
public static class ServingWorkerExtensions
{
    /// <summary>Registers the model manager, the inference and control services, health and the lifecycle.</summary>
    public static IServiceCollection AddServingWorker(this IServiceCollection services, Action<WorkerOptions> configure)
    {
        var options = new WorkerOptions();
        configure(options);
        services.AddGrpcServer();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HealthServiceImpl>();
        services.AddSingleton(options);
        services.AddSingleton<WorkerMetrics>();
        services.AddSingleton<ModelManager>();
        services.AddSingleton<InferenceService>();
        services.AddSingleton<WorkerControlService>();
        services.AddHostedService<WorkerLifecycle>();
        // The grace period bounds the whole graceful stop (drain, then the server closing its
        // connections), as Kubernetes' terminationGracePeriodSeconds does from outside.
        services.Configure<HostOptions>(host => host.ShutdownTimeout = options.GracePeriod);
        return services;
    }

    /// <summary>Maps inference.GRPCInferenceService, serving.v1.WorkerControl and grpc.health.v1.Health.</summary>
    public static IEndpointRouteBuilder MapServingWorker(this IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        endpoints.MapGrpcService(services.GetRequiredService<InferenceService>().CreateDefinition());
        endpoints.MapGrpcService(services.GetRequiredService<WorkerControlService>().CreateDefinition());
        endpoints.MapGrpcService(services.GetRequiredService<HealthServiceImpl>().CreateDefinition());
        return endpoints;
    }
}
