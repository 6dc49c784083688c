using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Serving.Grpc;
using Serving.Telemetry;
using Serving.Worker;
using Serving.Worker.Repository.Tools;
using Serving.Worker.Service;

namespace Serving.Cli.Commands;

/// <summary><c>serving worker</c>: hosts a model repository behind the KServe v2 gRPC protocol.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var repository = new Option<DirectoryInfo?>("--repository") { Description = "Model repository (default: the cache's default repository, built if missing)" };
        var port = new Option<int>("--port") { Description = "gRPC port (inference, worker control, health)", DefaultValueFactory = _ => 8001 };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Prometheus /metrics port (0 = none)", DefaultValueFactory = _ => 8002 };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:<id>", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads per model (0 = ONNX Runtime's default)", DefaultValueFactory = _ => 0 };
        var warmup = new Option<int>("--warmup-runs") { Description = "Warm-up runs per batch size when a model loads (seeds the service-time profile routers plan with; 0 = none)", DefaultValueFactory = _ => 3 };
        var grace = new Option<double>("--grace-period") { Description = "Seconds a graceful stop (SIGTERM) may take to finish queued work", DefaultValueFactory = _ => 30 };
        var command = new Command("worker", "Serve a model repository over the KServe v2 gRPC protocol")
        {
            repository, port, metricsPort, device, threads, warmup, grace,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            IPAddress.Any, result.GetValue(repository), result.GetValue(port), result.GetValue(metricsPort), result.GetValue(device)!,
            result.GetValue(threads), TimeSpan.FromSeconds(result.GetValue(grace)), result.GetValue(warmup), workerId: null, cancellationToken));
        return command;
    }

    /// <summary>Runs a worker until SIGTERM, Ctrl+C or <paramref name="cancellationToken"/>.</summary>
    internal static async Task<int> RunAsync(IPAddress address, DirectoryInfo? repository, int port, int metricsPort, string device, int threads, TimeSpan grace, int warmupRuns, string? workerId, CancellationToken cancellationToken)
    {
        if (device != "cpu" && !device.StartsWith("cuda", StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"error: --device must be cpu, cuda or cuda:<id>, not '{device}'");
            return 2;
        }

        string path;
        if (repository is not null)
        {
            if (!repository.Exists)
            {
                Console.Error.WriteLine($"error: no repository at {repository.FullName}");
                return 2;
            }

            path = repository.FullName;
        }
        else
        {
            path = DefaultRepository.DefaultPath;
            if (!DefaultRepository.Exists(path))
            {
                try
                {
                    DefaultRepository.Build(path, Console.Out);
                }
                catch (Exception ex) when (ex is FileNotFoundException or InvalidOperationException)
                {
                    Console.Error.WriteLine($"error: {ex.Message}");
                    return 1;
                }
            }
        }

        var builder = GrpcServerHost.CreateBuilder();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        // Per-request hosting logs would drown the worker's own; metrics count requests instead.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddServingWorker(options =>
        {
            options.RepositoryPath = path;
            options.Device = device;
            options.Threads = threads;
            options.GracePeriod = grace;
            options.WarmupRuns = warmupRuns;
            if (workerId is not null)
            {
                options.WorkerId = workerId;
            }
        });
        builder.Services.AddServingTelemetry(options => options.MetricsPort = metricsPort > 0 ? metricsPort : null);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenGrpc(new IPEndPoint(address, port)));
        var app = builder.Build();
        app.MapServingWorker();
        Console.WriteLine($"worker: repository {path}, gRPC on {address}:{port}, metrics on :{(metricsPort > 0 ? metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")}, device {device}");
        // SIGTERM (Kubernetes, docker stop) and Ctrl+C start the graceful stop: not ready, refuse new
        // work, drain within the grace period. Cancelling the signal's default action keeps the
        // process alive until the host has stopped.
        var lifetime = app.Lifetime;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            lifetime.StopApplication();
        });
        using var stopOnCancel = cancellationToken.Register(lifetime.StopApplication);
        await app.RunAsync();
        return 0;
    }
}
