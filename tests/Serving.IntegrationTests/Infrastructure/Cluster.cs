using Serving.Grpc;
using Serving.Worker.Repository.Tools;

namespace Serving.IntegrationTests.Infrastructure;

/// <summary>A router and two workers as real processes on loopback, serving the default repository (the real models).</summary>
internal sealed class Cluster : IAsyncDisposable
{
    private readonly List<ServingProcess> _workers = [];
    private readonly string _repository;
    private readonly string[] _routerArguments;

    private Cluster(string repository, string[] routerArguments)
    {
        _repository = repository;
        _routerArguments = routerArguments;
    }

    public ServingProcess Router { get; private set; } = null!;

    public IReadOnlyList<ServingProcess> Workers => _workers;

    public int RouterMetricsPort { get; private set; }

    /// <summary>Starts two workers and a router (extra router arguments e.g. API keys) and waits until the router is ready.</summary>
    public static Task<Cluster> StartAsync(params string[] routerArguments) => StartAsync(DefaultRepositoryPath(), routerArguments);

    /// <summary>The default repository (the real models), built when missing.</summary>
    public static string DefaultRepositoryPath()
    {
        var repository = DefaultRepository.DefaultPath;
        if (!DefaultRepository.Exists(repository))
        {
            DefaultRepository.Build(repository, TextWriter.Null);
        }

        return repository;
    }

    /// <summary>As <see cref="StartAsync(string[])"/> over <paramref name="repository"/>.</summary>
    public static async Task<Cluster> StartAsync(string repository, params string[] routerArguments)
    {
        var cluster = new Cluster(repository, routerArguments);
        try
        {
            cluster._workers.Add(ServingProcess.StartWorker(TestCli.Path, "worker-1", FreePort.Next(), repository));
            cluster._workers.Add(ServingProcess.StartWorker(TestCli.Path, "worker-2", FreePort.Next(), repository));
            cluster.RouterMetricsPort = FreePort.Next();
            cluster.Router = ServingProcess.StartRouter(TestCli.Path, FreePort.Next(), cluster.RouterMetricsPort, cluster._workers.Select(w => w.Address), repository, routerArguments);
            await Task.WhenAll(cluster._workers.Select(w => w.WaitServingAsync()));
            await cluster.Router.WaitServingAsync();
            await cluster.WaitAllWorkersReportedAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts worker <paramref name="index"/> again on its port (after <see cref="ServingProcess.Kill"/>).</summary>
    public ServingProcess RestartWorker(int index)
    {
        var old = _workers[index];
        old.Dispose();
        var replacement = ServingProcess.StartWorker(TestCli.Path, old.Name, old.Port, _repository);
        _workers[index] = replacement;
        return replacement;
    }

    /// <summary>Waits until the router sees every worker's load stream up with all its models ready (it is ready as soon as one worker covers every task).</summary>
    public async Task WaitAllWorkersReportedAsync()
    {
        using var channel = CreateChannel();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var status = await channel.CallInvoker.UnaryAsync(Serving.Protocol.ClusterMethods.GetStatus, new Serving.Protocol.V1.GetStatusRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(10))).ResponseAsync;
            if (status.Workers.Count == _workers.Count && status.Workers.All(w => w.Connected && w.Models.Count > 0 && w.Models.All(m => m.Ready)))
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the router never saw every worker ready: " + status + "\n" + Logs);
            await Task.Yield();
        }
    }

    public GrpcChannel CreateChannel() => GrpcChannel.ForAddress("http://" + Router.Address);

    /// <summary>Everything the processes printed, for failure messages.</summary>
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
}

/// <summary>One cluster shared by the tests of <see cref="ClusterCollection"/> (starting one takes seconds).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    internal Cluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await Cluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
