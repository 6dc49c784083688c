using System.CommandLine;
using System.Globalization;
using System.Net;
using Grpc.Health.V1;
using Serving.Grpc;
using Serving.Grpc.Health;
using Serving.Worker.Repository.Tools;

namespace Serving.Cli.Commands;

/// <summary>
/// The whole cluster on this machine, on loopback, with the real models: a router and two workers
/// serving the default repository (built on first use), in this one process. Ctrl+C stops all three.
/// </summary>
/// <remarks>
/// Ports: the router on <c>--port</c> (metrics <c>--metrics-port</c>); worker k (1, 2) on
/// <c>--port + 100k</c> (metrics <c>--metrics-port + 100k</c>). Each worker session runs one
/// intra-op thread, so two workers with two instances each share the cores without oversubscription.
/// </remarks>
internal static class StandaloneCommand
{
    private const int Workers = 2;

    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Router gRPC port on 127.0.0.1", DefaultValueFactory = _ => 8001 };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Router /metrics port (workers: +100, +200)", DefaultValueFactory = _ => 8002 };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads per model session in each worker", DefaultValueFactory = _ => 1 };
        var synthetic = new Option<bool>("--synthetic") { Description = $"Also serve the synthetic variants ({string.Join(", ", SyntheticVariants.Default)}; seeded weights) and let the router select them" };
        var prometheus = new Option<bool>("--prometheus") { Description = "Also start a real Prometheus (Debian's) scraping the router and workers, with the chart's recording and alert rules" };
        var prometheusPort = new Option<int>("--prometheus-port") { Description = "Port of that Prometheus on 127.0.0.1", DefaultValueFactory = _ => 9090 };
        var command = new Command("standalone", "Run the cluster on this machine (router + 2 workers on loopback) with the real models")
        {
            port, metricsPort, threads, synthetic, prometheus, prometheusPort,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(port), result.GetValue(metricsPort), result.GetValue(threads), result.GetValue(synthetic),
            result.GetValue(prometheus) ? result.GetValue(prometheusPort) : null, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int port, int metricsPort, int threads, bool synthetic, int? prometheusPort, CancellationToken cancellationToken)
    {
        // Synthetic variants live in a repository of their own, so the plain cluster never loads them.
        var repository = synthetic ? DefaultRepository.DefaultPath + "-synthetic" : DefaultRepository.DefaultPath;
        try
        {
            if (!DefaultRepository.Exists(repository))
            {
                DefaultRepository.Build(repository, Console.Out);
            }

            if (synthetic)
            {
                SyntheticVariants.AddTo(repository, SyntheticVariants.Default, Console.Out);
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workerPorts = Enumerable.Range(1, Workers).Select(k => port + (100 * k)).ToArray();
        var workers = workerPorts.Select((p, i) => Task.Run(() => WorkerCommand.RunAsync(
            IPAddress.Loopback, new DirectoryInfo(repository), p, metricsPort + (100 * (i + 1)), "cpu", threads, TimeSpan.FromSeconds(10), warmupRuns: 3, $"worker-{i + 1}", stop.Token))).ToArray();
        var routerReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var router = Task.Run(() => RouterCommand.RunAsync(
            new RouterCommand.RouterSettings(
                IPAddress.Loopback, port, metricsPort,
                string.Join(',', workerPorts.Select(p => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{p}"))),
                ConfigPath: null, RepositoryPath: repository, Selector: null, AllowSynthetic: synthetic,
                ApiKeysFile: Environment.GetEnvironmentVariable("SERVING_API_KEYS_FILE"), MaxConcurrentPerClient: 64, TlsCertificate: null),
            routerReady,
            stop.Token));

        var first = await Task.WhenAny(routerReady.Task, router, Task.WhenAny(workers)).ConfigureAwait(false);
        if (first != routerReady.Task)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(workers.Append(router)).ConfigureAwait(false);
            Console.Error.WriteLine("error: the cluster did not start (see above)");
            return 1;
        }

        // Ready = every task has a ready worker: the workers loaded and warmed up their models and reported.
        if (!await WaitUntilServingAsync(port, TimeSpan.FromMinutes(5), workers.Append(router), stop.Token).ConfigureAwait(false))
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(workers.Append(router)).ConfigureAwait(false);
            Console.Error.WriteLine("error: the cluster did not become ready (see above)");
            return 1;
        }

        LocalPrometheus? prometheus = null;
        if (prometheusPort is { } promPort)
        {
            try
            {
                prometheus = LocalPrometheus.Start(promPort, metricsPort, workerPorts.Select((_, i) => metricsPort + (100 * (i + 1))));
            }
            catch (FileNotFoundException ex)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                await stop.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(workers.Append(router)).ConfigureAwait(false);
                return 1;
            }
        }

        using var prometheusLifetime = prometheus;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            standalone: router at 127.0.0.1:{port} (serving.v1 FaceService, SegmentationService, ClusterService; KServe v2 by model or task alias; grpc.health.v1)
              metrics:  http://127.0.0.1:{metricsPort}/metrics (router), {string.Join(", ", workerPorts.Select((_, i) => $"http://127.0.0.1:{metricsPort + (100 * (i + 1))}/metrics"))} (workers)
              workers:  {string.Join(", ", workerPorts.Select(p => $"127.0.0.1:{p}"))} (models of {repository})
              {(prometheus is null ? "" : $"prometheus: {prometheus.Url} (recording rules task_slo:serving_slo_attainment:ratio_rate5m, task:serving_request_duration_seconds:p99_5m; alerts)")}
              try:      ./serving status
                        ./serving verify ../shared/data/faces/images/img1.jpg ../shared/data/faces/images/img2.jpg --slo interactive
              Ctrl+C stops everything.
            """));

        await Task.WhenAny(workers.Append(router)).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        var codes = await Task.WhenAll(workers.Append(router)).ConfigureAwait(false);
        return codes.Max();
    }

    private static async Task<bool> WaitUntilServingAsync(int port, TimeSpan limit, IEnumerable<Task> processes, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        var running = processes.ToArray();
        using var watch = channel.CallInvoker.ServerStreaming(HealthMethods.Watch, new HealthCheckRequest(), new CallOptions(CancellationToken: timeout.Token));
        try
        {
            while (await watch.ResponseStream.MoveNext(timeout.Token).ConfigureAwait(false))
            {
                if (watch.ResponseStream.Current.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return true;
                }

                if (running.Any(p => p.IsCompleted))
                {
                    return false;
                }
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
        }

        return false;
    }
}
