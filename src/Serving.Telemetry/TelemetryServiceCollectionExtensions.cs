using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Serving.Telemetry.Internal;

namespace Serving.Telemetry;

/// <summary>Wiring for <c>AddServingWorker()</c> / <c>AddServingRouter()</c>.</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="PrometheusCollector"/> singleton and a hosted service that creates it
    /// at start-up and, when <see cref="ServingTelemetryOptions.MetricsPort"/> is set, serves
    /// <c>/metrics</c> on that port. Map it on the app's own routes with <c>MapPrometheusMetrics</c>.
    /// </summary>
    public static IServiceCollection AddServingTelemetry(this IServiceCollection services, Action<ServingTelemetryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ServingTelemetryOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(provider => new PrometheusCollector(provider.GetRequiredService<IOptions<ServingTelemetryOptions>>().Value));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MetricsListenerHostedService>());
        return services;
    }
}
