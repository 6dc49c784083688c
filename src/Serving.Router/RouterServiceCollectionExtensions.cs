using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Serving.Grpc;
using Serving.Grpc.Health;
using Serving.Router.Catalog;
using Serving.Router.Discovery;
using Serving.Router.Frontend;
using Serving.Router.Remote;
using Serving.Router.Reporting;
using Serving.Router.Security;
using Serving.Router.Tasks;
using Serving.Router.Resilience;
using Serving.Router.Selection;
using Serving.Router.Workers;

namespace Serving.Router;

/// <summary>Wiring of the router's back end; the front ends (task API, KServe v2) build on it.</summary>
public static class RouterServiceCollectionExtensions
{
    /// <summary>
    /// Registers SLO classes, the selection policy, discovery, the worker load tracker, the retry
    /// budget, the per-worker breakers and the dispatcher, and a hosted service that starts and
    /// stops discovery and tracking with the host.
    /// </summary>
    /// <exception cref="InvalidOperationException">The options are invalid; the message lists every problem.</exception>
    public static IServiceCollection AddServingRouterCore(this IServiceCollection services, Action<RouterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new RouterOptions();
        configure(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid router options: " + string.Join(" ", errors));
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IRandomFactory>(SharedRandomFactory.Instance);
        services.TryAddSingleton<IDnsResolver, SystemDnsResolver>();
        services.AddSingleton(options);
        services.AddSingleton(SloClassCatalog.Create(options.SloClasses));
        services.AddSingleton(sp => VariantSelectors.Create(options.Selector, options.Selection, sp.GetRequiredService<IRandomFactory>()));
        services.AddSingleton<IWorkerDiscovery>(sp =>
        {
            DnsWorkerDiscovery Dns(DnsDiscoveryOptions dns) =>
                new(dns, sp.GetRequiredService<IDnsResolver>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<DnsWorkerDiscovery>>());

            if (options.Dns is { } single)
            {
                return Dns(single);
            }

            var names = options.Workers.Where(w => w.StartsWith(RouterOptions.DnsPrefix, StringComparison.Ordinal)).ToArray();
            if (names.Length == 0)
            {
                return new StaticWorkerDiscovery(options.Workers);
            }

            var sources = new List<IWorkerDiscovery>();
            foreach (var name in names)
            {
                var target = WorkerEndpoint.Parse(name[RouterOptions.DnsPrefix.Length..]).Address;
                sources.Add(Dns(new DnsDiscoveryOptions { Host = target.Host, Port = target.Port, UseTls = target.Scheme == Uri.UriSchemeHttps }));
            }

            var fixedAddresses = options.Workers.Except(names).ToArray();
            if (fixedAddresses.Length > 0)
            {
                sources.Add(new StaticWorkerDiscovery(fixedAddresses));
            }

            return new CompositeWorkerDiscovery(sources);
        });
        services.AddSingleton(_ => new WorkerChannelPool());
        services.AddSingleton(sp => new WorkerLoadTracker(
            sp.GetRequiredService<IWorkerDiscovery>(),
            sp.GetRequiredService<WorkerChannelPool>(),
            options.LoadTracking,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IRandomFactory>(),
            sp.GetService<ILogger<WorkerLoadTracker>>()));
        services.AddSingleton(sp => new RetryBudget(options.RetryBudget, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new WorkerCircuitBreakers(options.Breaker, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ResilientDispatcher(
            options.Dispatch,
            sp.GetRequiredService<RetryBudget>(),
            sp.GetRequiredService<WorkerCircuitBreakers>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<RouterBackendLifecycle>();
        return services;
    }

    /// <summary>
    /// Registers the whole router: the back end (<see cref="AddServingRouterCore"/>), the catalogue,
    /// the task API (FaceService, SegmentationService), the KServe v2 service, ClusterService,
    /// grpc.health.v1 with readiness, metrics, and the gRPC server; map them with <see cref="MapServingRouter"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The options are invalid; the message lists every problem.</exception>
    /// <exception cref="DirectoryNotFoundException">The catalogue's repository does not exist.</exception>
    public static IServiceCollection AddServingRouter(this IServiceCollection services, Action<RouterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        RouterOptions? captured = null;
        services.AddServingRouterCore(o =>
        {
            configure(o);
            captured = o;
        });
        var options = captured!;
        if (options.Variants.Count == 0 && string.IsNullOrEmpty(options.RepositoryPath))
        {
            throw new InvalidOperationException("Invalid router options: give the catalogue: Variants, or RepositoryPath (a model repository).");
        }

        var catalog = options.Variants.Count > 0
            ? new CatalogSnapshot(options.Variants, options.AllowSynthetic)
            : RepositoryCatalog.Load(options.RepositoryPath!, options.AllowSynthetic);
        services.AddGrpcServer(grpc => grpc.MaxReceiveMessageSize = options.MaxRequestBytes);
        services.TryAddSingleton<HealthServiceImpl>();
        services.AddSingleton(new RouterCatalog(catalog));
        services.AddSingleton(sp =>
        {
            var tracker = sp.GetRequiredService<WorkerLoadTracker>();
            var breakers = sp.GetRequiredService<WorkerCircuitBreakers>();
            var metrics = new RouterMetrics(
                breakerStates: () => tracker.Describe().Select(w => new Measurement<int>(
                    breakers.StateOf(w.Address) switch { CircuitState.Open or CircuitState.Isolated => 2, CircuitState.HalfOpen => 1, _ => 0 },
                    new KeyValuePair<string, object?>("worker", w.Address))),
                workersReady: () =>
                {
                    var cluster = tracker.Current;
                    var current = sp.GetRequiredService<RouterCatalog>().Current;
                    var models = current.Tasks.SelectMany(t => current.VariantsOf(t)).Select(v => v.Name)
                        .Concat(cluster.Workers.SelectMany(w => w.Models.Keys)).Distinct(StringComparer.Ordinal);
                    return models.Select(m => new Measurement<int>(cluster.RoutableFor(m).Count(), new KeyValuePair<string, object?>("model", m)));
                },
                calibration: () => tracker.Current.Workers.SelectMany(w => w.Models.Values.Select(m => new Measurement<double>(
                    m.Calibration,
                    new KeyValuePair<string, object?>("worker", w.Id),
                    new KeyValuePair<string, object?>("model", m.ModelName)))));
            return metrics;
        });
        services.AddSingleton(sp => new RemoteInferenceContext(
            sp.GetRequiredService<ResilientDispatcher>(),
            sp.GetRequiredService<WorkerLoadTracker>(),
            sp.GetRequiredService<WorkerChannelPool>(),
            sp.GetRequiredService<IVariantSelector>(),
            options.Selection,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<TaskFrontend>();
        services.AddSingleton<RouterReadiness>();
        services.AddSingleton(sp => new FaceFrontend(sp.GetRequiredService<TaskFrontend>(), options.ImageLimits));
        services.AddSingleton(sp => new SegmentationFrontend(sp.GetRequiredService<TaskFrontend>(), options.ImageLimits));
        services.AddSingleton<InferenceFrontend>();
        services.AddSingleton<ClusterFrontend>();
        services.AddHostedService<RouterFrontendLifecycle>();
        return services;
    }

    /// <summary>Maps the router's services behind authentication and the per-client concurrency limit.</summary>
    public static WebApplication MapServingRouter(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var services = app.Services;
        var options = services.GetRequiredService<RouterOptions>();
        var access = new RouterAccessMiddleware(options.ApiKeys, options.MaxConcurrentPerClient);
        app.Use(next => context => access.InvokeAsync(context, next));
        app.MapGrpcService(services.GetRequiredService<FaceFrontend>().CreateDefinition());
        app.MapGrpcService(services.GetRequiredService<SegmentationFrontend>().CreateDefinition());
        app.MapGrpcService(services.GetRequiredService<InferenceFrontend>().CreateDefinition());
        app.MapGrpcService(services.GetRequiredService<ClusterFrontend>().CreateDefinition());
        app.MapGrpcService(services.GetRequiredService<HealthServiceImpl>().CreateDefinition());
        return app;
    }
}
