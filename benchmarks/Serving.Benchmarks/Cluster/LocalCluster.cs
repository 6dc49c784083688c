using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Health.V1;
using Serving.Grpc;
using Serving.Grpc.Health;
using Serving.Protocol;
using Serving.Protocol.V1;

namespace Serving.Benchmarks.Cluster;

/// <summary>
/// A router and its workers as real <c>serving</c> processes on loopback, as <c>serving standalone</c>
/// runs them, but each started, killed and restarted separately (benchmarks need the PIDs).
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private readonly string _repository;
    private readonly string[] _workerArguments;
    private readonly List<ServingProcess> _workers = [];

    private LocalCluster(string repository, string[] workerArguments)
    {
        _repository = repository;
        _workerArguments = workerArguments;
    }

    public ServingProcess Router { get; private set; } = null!;

    public IReadOnlyList<ServingProcess> Workers => _workers;

    public string Endpoint => Router.Address;

    /// <summary>Starts <paramref name="workers"/> workers over <paramref name="repository"/> and a router with <paramref name="routerArguments"/>; returns when the router sees every worker ready.</summary>
    public static async Task<LocalCluster> StartAsync(string repository, int workers, string[] routerArguments, string[]? workerArguments = null)
    {
        var cluster = new LocalCluster(repository, workerArguments ?? []);
        try
        {
            for (var i = 0; i < workers; i++)
            {
                cluster._workers.Add(cluster.StartWorker($"worker-{i + 1}", FreePort()));
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
        var port = FreePort();
        Router = new ServingProcess("router", port,
        [
            "router", "--port", Text(port), "--metrics-port", Text(FreePort()), "--repository", _repository,
            "--workers", string.Join(',', _workers.Select(w => w.Address)), .. routerArguments,
        ]);
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

    private ServingProcess StartWorker(string name, int port) =>
        new(name, port,
        [
            "worker", "--repository", _repository, "--port", Text(port), "--metrics-port", Text(FreePort()),
            "--threads", "1", "--grace-period", "2", .. _workerArguments,
        ]);

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One <c>serving</c> child process (the build the <c>./serving</c> launcher made), output kept for failure messages.</summary>
internal sealed class ServingProcess : IDisposable
{
    private readonly StringBuilder _log = new();
    private readonly Process _process;

    public ServingProcess(string name, int port, IReadOnlyList<string> arguments)
    {
        Name = name;
        Port = port;
        var start = new ProcessStartInfo("dotnet", [CliPath(), .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public string Address => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// The CLI as <c>./serving</c> builds it (artifacts/cli/serving.dll). The benchmark's README
    /// command runs <c>./serving --help</c> first so that this build exists and is current.
    /// </summary>
    public static string CliPath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Serving.sln")))
            {
                var dll = Path.Combine(directory.FullName, "artifacts", "cli", "serving.dll");
                return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: run ./serving --help once (it builds the CLI).");
            }
        }

        throw new InvalidOperationException($"no Serving.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Waits (grpc.health.v1 Check) until the process reports SERVING.</summary>
    public async Task WaitServingAsync()
    {
        using var channel = GrpcChannel.ForAddress("http://" + Address);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                var reply = await channel.CallInvoker.UnaryAsync(HealthMethods.Check, new HealthCheckRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(5))).ResponseAsync;
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Name} did not become SERVING:\n{Log}");
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
