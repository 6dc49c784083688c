using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Serving.Grpc;
using Serving.Router;
using Serving.Router.Configuration;
using Serving.Router.Security;
using Serving.Telemetry;
using Serving.Worker.Repository.Tools;

namespace Serving.Cli.Commands;

/// <summary><c>serving router</c>: the front door. Task API, KServe v2 (by model or task alias), cluster status and health, over workers it discovers.</summary>
internal static class RouterCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "gRPC port", DefaultValueFactory = _ => 8001 };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Prometheus /metrics port (0 = none)", DefaultValueFactory = _ => 8002 };
        var workers = new Option<string?>("--workers") { Description = "Worker addresses, comma-separated: host:port, or dns:<host>:<port> for a name re-resolved periodically to all its addresses (a headless Service per worker pool)" };
        var config = new Option<FileInfo?>("--config") { Description = "Router configuration (YAML): selector, SLO classes, catalogue" };
        var repository = new Option<DirectoryInfo?>("--repository") { Description = "Model repository whose config.json files make the catalogue when the configuration has none (default: the cache's default repository)" };
        var selector = new Option<string?>("--selector") { Description = "slo-aware (default), always-best, always-cheapest or fixed:<variant>" };
        var allowSynthetic = new Option<bool>("--allow-synthetic") { Description = "Let synthetic (seeded-weight) variants answer requests" };
        var apiKeysFile = new Option<FileInfo?>("--api-keys-file") { Description = "File with one accepted API key per line (also $SERVING_API_KEYS_FILE, $SERVING_API_KEYS)" };
        var maxConcurrent = new Option<int>("--max-concurrent-per-client") { Description = "Requests one client may have in flight (0 = no limit)", DefaultValueFactory = _ => 64 };
        var tlsCert = new Option<FileInfo?>("--tls-cert") { Description = "PKCS#12 certificate for TLS (h2c without)" };
        var headroom = new Option<double?>("--headroom") { Description = "Share of each request's remaining budget the SLO-aware selector keeps in reserve, in [0, 0.9) (default 0.1; also `headroom` in the configuration)" };
        var calibration = new Option<double?>("--calibration-quantile") { Description = "Quantile of observed / predicted call time (recent calls per model and worker) that multiplies predictions, in (0, 1]; 0 turns calibration off (default 0.99; also `calibrationQuantile` in the configuration)" };
        var missRisk = new Option<bool?>("--weigh-miss-risk") { Description = "Whether the SLO-aware selector weighs each variant's quality by its chance of answering in time and takes a cheaper one when that is worth more (default true; also `weighMissRisk` in the configuration)" };
        var rescue = new Option<bool?>("--rescue") { Description = "Whether a request whose first variant runs late or is shed is rescued with a cheaper variant that still fits (default true; also `rescue` in the configuration)" };
        var command = new Command("router", "Route task and KServe v2 requests to workers, selecting variants under latency SLOs")
        {
            port, metricsPort, workers, config, repository, selector, allowSynthetic, apiKeysFile, maxConcurrent, tlsCert, headroom, calibration, missRisk, rescue,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            new RouterSettings(
                IPAddress.Any,
                result.GetValue(port),
                result.GetValue(metricsPort),
                result.GetValue(workers),
                result.GetValue(config)?.FullName,
                result.GetValue(repository)?.FullName,
                result.GetValue(selector),
                result.GetValue(allowSynthetic),
                result.GetValue(apiKeysFile)?.FullName ?? Environment.GetEnvironmentVariable("SERVING_API_KEYS_FILE"),
                result.GetValue(maxConcurrent),
                result.GetValue(tlsCert)?.FullName) { Headroom = result.GetValue(headroom), CalibrationQuantile = result.GetValue(calibration), WeighMissRisk = result.GetValue(missRisk), Rescue = result.GetValue(rescue) },
            ready: null,
            cancellationToken));
        return command;
    }

    /// <summary>Everything a router process is started with.</summary>
    internal sealed record RouterSettings(
        IPAddress Address,
        int Port,
        int MetricsPort,
        string? Workers,
        string? ConfigPath,
        string? RepositoryPath,
        string? Selector,
        bool AllowSynthetic,
        string? ApiKeysFile,
        int MaxConcurrentPerClient,
        string? TlsCertificate)
    {
        /// <summary>The selector's reserve (<c>--headroom</c>), overriding the configuration file's.</summary>
        public double? Headroom { get; init; }

        /// <summary>The calibration quantile (<c>--calibration-quantile</c>, 0 = off), overriding the configuration file's.</summary>
        public double? CalibrationQuantile { get; init; }

        /// <summary>Whether the selector weighs quality by the chance of answering in time (<c>--weigh-miss-risk</c>), overriding the configuration file's.</summary>
        public bool? WeighMissRisk { get; init; }

        /// <summary>Whether late or shed requests are rescued with a cheaper variant (<c>--rescue</c>), overriding the configuration file's.</summary>
        public bool? Rescue { get; init; }
    }

    /// <summary>Runs a router until SIGTERM, Ctrl+C or <paramref name="cancellationToken"/>; <paramref name="ready"/> completes once it listens.</summary>
    internal static async Task<int> RunAsync(RouterSettings settings, TaskCompletionSource? ready, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Workers))
        {
            Console.Error.WriteLine("error: --workers is required (host:port,host:port or dns:<host>:<port>)");
            return 2;
        }

        RouterConfigFile? file = null;
        if (settings.ConfigPath is not null)
        {
            try
            {
                file = RouterConfigFile.Load(settings.ConfigPath);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return 2;
            }
        }

        ApiKeys keys;
        try
        {
            keys = ApiKeys.Load(settings.ApiKeysFile, Environment.GetEnvironmentVariable("SERVING_API_KEYS"));
        }
        catch (FileNotFoundException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }

        var builder = GrpcServerHost.CreateBuilder();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        var problems = new List<string>();
        try
        {
            builder.Services.AddServingRouter(options =>
            {
                options.Workers.AddRange(settings.Workers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

                if (file is not null)
                {
                    problems.AddRange(file.ApplyTo(options));
                }

                options.AllowSynthetic |= settings.AllowSynthetic;
                if (settings.Selector is not null)
                {
                    options.Selector = settings.Selector;
                }

                if (settings.Headroom is { } reserve)
                {
                    options.Selection.Headroom = reserve;
                }

                if (settings.WeighMissRisk is { } weigh)
                {
                    options.Selection.WeighMissRisk = weigh;
                }

                if (settings.Rescue is { } rescueLate)
                {
                    options.Dispatch.Rescue = rescueLate;
                }

                if (settings.CalibrationQuantile is { } quantile)
                {
                    options.LoadTracking.Calibration.Apply(quantile);
                }

                if (options.Variants.Count == 0)
                {
                    options.RepositoryPath = settings.RepositoryPath ?? DefaultRepository.DefaultPath;
                }

                options.ApiKeys = keys;
                options.MaxConcurrentPerClient = settings.MaxConcurrentPerClient;
                if (problems.Count > 0)
                {
                    throw new InvalidOperationException("Invalid router configuration: " + string.Join(" ", problems));
                }
            });
        }
        catch (Exception ex) when (ex is InvalidOperationException or DirectoryNotFoundException or InvalidDataException or FormatException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }

        builder.Services.AddServingTelemetry(options => options.MetricsPort = settings.MetricsPort > 0 ? settings.MetricsPort : null);
        var certificate = settings.TlsCertificate is null ? null : GrpcServerExtensions.LoadCertificate(settings.TlsCertificate, Environment.GetEnvironmentVariable("SERVING_TLS_PASSWORD"));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenGrpc(new IPEndPoint(settings.Address, settings.Port), certificate));
        var app = builder.Build();
        app.MapServingRouter();
        var lifetime = app.Lifetime;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            lifetime.StopApplication();
        });
        using var stopOnCancel = cancellationToken.Register(lifetime.StopApplication);
        using var started = lifetime.ApplicationStarted.Register(() => ready?.TrySetResult());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"router: gRPC on {settings.Address}:{settings.Port}{(certificate is null ? "" : " (TLS)")}, metrics on :{(settings.MetricsPort > 0 ? settings.MetricsPort.ToString(CultureInfo.InvariantCulture) : "-")}, workers {settings.Workers}, API keys {(keys.Enabled ? keys.Count.ToString(CultureInfo.InvariantCulture) : "off")}"));
        await app.RunAsync();
        return 0;
    }
}
