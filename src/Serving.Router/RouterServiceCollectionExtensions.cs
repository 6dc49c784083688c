using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Serving.Router.Discovery;
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
        services.AddSingleton<IWorkerDiscovery>(sp => options.Dns is { } dns
            ? new DnsWorkerDiscovery(dns, sp.GetRequiredService<IDnsResolver>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<DnsWorkerDiscovery>>())
            : new StaticWorkerDiscovery(options.Workers));
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
}
