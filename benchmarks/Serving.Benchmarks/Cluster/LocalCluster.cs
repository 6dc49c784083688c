using System.Diagnostics;
using Serving.Grpc;
using Serving.Protocol;
using Serving.Protocol.V1;
using Serving.Testing;

namespace Serving.Benchmarks.Cluster;

/// <summary>
/// A router and its workers as real <c>serving</c> processes on loopback, as <c>serving standalone</c>
/// runs them, but each started, killed and restarted separately (benchmarks need the PIDs).
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    // The build the README's command makes with `./serving --help` first.
    private static string Cli => ServingCli.LauncherBuild();
    private readonly string _repository;
    private readonly List<ServingProcess> _workers = [];

    private LocalCluster(string repository) => _repository = repository;

    public ServingProcess Router { get; private set; } = null!;

    public IReadOnlyList<ServingProcess> Workers => _workers;

    public string Endpoint => Router.Address;

    /// <summary>Starts <paramref name="workers"/> workers over <paramref name="repository"/> and a router with <paramref name="routerArguments"/>; returns when the router sees every worker ready.</summary>
    public static async Task<LocalCluster> StartAsync(string repository, int workers, string[] routerArguments)
    {
        var cluster = new LocalCluster(repository);
        try
        {
            for (var i = 0; i < workers; i++)
            {
                cluster._workers.Add(cluster.StartWorker($"worker-{i + 1}", FreePort.Next()));
            }

            await Task.WhenAll(cluster._workers.Select(w => w.WaitServingAsync()));
            await cluster.StartRouterAsync(routerArguments);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Replaces the router (e.g. with another selection policy) over the same, still running workers.</summary>
    public async Task StartRouterAsync(string[] routerArguments)
    {
        Router?.Dispose();
        Router = ServingProcess.StartRouter(Cli, FreePort.Next(), FreePort.Next(), _workers.Select(w => w.Address), _repository, routerArguments);
        await Router.WaitServingAsync();
        await WaitAllWorkersReadyAsync(StartTimeout);
    }

    /// <summary>Starts worker <paramref name="index"/> again on its port (after a kill).</summary>
    public ServingProcess RestartWorker(int index)
    {
        var old = _workers[index];
        old.Dispose();
        var replacement = StartWorker(old.Name, old.Port);
        _workers[index] = replacement;
        return replacement;
    }

    /// <summary>The router's view of the cluster.</summary>
    public async Task<ClusterStatus> StatusAsync()
    {
        using var channel = GrpcChannel.ForAddress("http://" + Endpoint);
        return await channel.CallInvoker.UnaryAsync(ClusterMethods.GetStatus, new GetStatusRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(10))).ResponseAsync;
    }

    /// <summary>Waits until the router sees every worker's load stream up with all its models ready.</summary>
    public async Task WaitAllWorkersReadyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = await StatusAsync();
            if (status.Workers.Count == _workers.Count && status.Workers.All(w => w.Connected && w.Models.Count > 0 && w.Models.All(m => m.Ready)))
            {
                return;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"the router never saw every worker ready: {status}\n{Logs}");
            }

            await Task.Delay(100);
        }
    }

    public string Logs => string.Join("\n", _workers.Append(Router).Where(p => p is not null).Select(p => $"--- {p.Name} ---\n{p.Log}"));

    public ValueTask DisposeAsync()
    {
        Router?.Dispose();
        foreach (var worker in _workers)
        {
            worker.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private ServingProcess StartWorker(string name, int port) => ServingProcess.StartWorker(Cli, name, port, _repository, gracePeriodSeconds: 2);
}
