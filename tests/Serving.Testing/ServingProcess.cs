using System.Diagnostics;
using System.Globalization;
using System.Text;
using Grpc.Health.V1;
using Serving.Grpc;
using Serving.Grpc.Health;

namespace Serving.Testing;

/// <summary>
/// A real <c>serving</c> child process (router, worker or standalone) with its output captured for
/// failure messages; shared by the integration tests and the cluster benchmarks. Failures throw
/// (no test framework asserts), so a benchmark can use it as well as a test.
/// </summary>
public sealed class ServingProcess : IDisposable
{
    /// <summary>The longest a process may take to report SERVING.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly StringBuilder _log = new();
    private readonly Process _process;

    private ServingProcess(string cli, string name, int port, int metricsPort, IReadOnlyList<string> arguments)
    {
        Name = name;
        Port = port;
        MetricsPort = metricsPort;
        var start = new ProcessStartInfo("dotnet", [cli, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>Where its Prometheus /metrics is served.</summary>
    public int MetricsPort { get; }

    public int ProcessId => _process.Id;

    public string Address => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public bool HasExited => _process.HasExited;

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

    /// <summary>A worker serving <paramref name="repository"/> on <paramref name="port"/> (one intra-op thread per session).</summary>
    public static ServingProcess StartWorker(string cli, string name, int port, string repository, int gracePeriodSeconds = 5)
    {
        var metricsPort = FreePort.Next();
        return new(cli, name, port, metricsPort,
            ["worker", "--repository", repository, "--port", Text(port), "--metrics-port", Text(metricsPort), "--threads", "1", "--grace-period", Text(gracePeriodSeconds)]);
    }

    /// <summary>A router over <paramref name="workers"/> with the catalogue of <paramref name="repository"/>, plus <paramref name="extra"/> arguments.</summary>
    public static ServingProcess StartRouter(string cli, int port, int metricsPort, IEnumerable<string> workers, string repository, params string[] extra) =>
        new(cli, "router", port, metricsPort,
            ["router", "--port", Text(port), "--metrics-port", Text(metricsPort), "--workers", string.Join(',', workers), "--repository", repository, .. extra]);

    /// <summary><c>serving standalone</c> (router on <paramref name="port"/>, workers on +100 and +200) with extra arguments.</summary>
    public static ServingProcess StartStandalone(string cli, int port, int metricsPort, params string[] extra) =>
        new(cli, "standalone", port, metricsPort, ["standalone", "--port", Text(port), "--metrics-port", Text(metricsPort), .. extra]);

    /// <summary>Waits (grpc.health.v1 Watch) until the process reports SERVING for the whole server.</summary>
    /// <exception cref="InvalidOperationException">The process exited.</exception>
    /// <exception cref="TimeoutException">Not SERVING within <see cref="StartTimeout"/>.</exception>
    public async Task WaitServingAsync()
    {
        using var channel = GrpcChannel.ForAddress("http://" + Address);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Log}");
            }

            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                using var watch = channel.CallInvoker.ServerStreaming(HealthMethods.Watch, new HealthCheckRequest(), new CallOptions(CancellationToken: cancel.Token));
                while (await watch.ResponseStream.MoveNext(cancel.Token).ConfigureAwait(false))
                {
                    if (watch.ResponseStream.Current.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException)
            {
                // Not listening yet (connection refused ends the call at once) or not serving within the window: watch again.
                await Task.Yield();
            }
        }

        throw new TimeoutException($"{Name} did not become SERVING within {StartTimeout}:\n{Log}");
    }

    /// <summary>SIGKILL: the process dies at once, as a crashed pod would.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>Sends a POSIX signal (e.g. STOP to stall the process: it keeps its sockets but never answers, CONT to resume).</summary>
    /// <exception cref="InvalidOperationException"><c>kill</c> failed.</exception>
    public void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {_process.Id} exited with {kill.ExitCode}");
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

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Where the <c>serving</c> executable and the repository are.</summary>
public static class ServingCli
{
    /// <summary>The directory holding Serving.sln, above <see cref="AppContext.BaseDirectory"/>.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Serving.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Serving.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>The CLI the solution build made: src/Serving.Cli/bin/<paramref name="configuration"/>/net10.0/serving.dll.</summary>
    /// <exception cref="FileNotFoundException">Not built.</exception>
    public static string BuildOutput(string configuration)
    {
        var dll = Path.Combine(RepositoryRoot(), "src", "Serving.Cli", "bin", configuration, "net10.0", "serving.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing: build src/Serving.Cli -c {configuration}.", dll);
    }

    /// <summary>The CLI as the <c>./serving</c> launcher builds it (artifacts/cli/serving.dll).</summary>
    /// <exception cref="FileNotFoundException">Not built: run <c>./serving --help</c> once.</exception>
    public static string LauncherBuild()
    {
        var dll = Path.Combine(RepositoryRoot(), "artifacts", "cli", "serving.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing: run ./serving --help once (it builds the CLI).", dll);
    }
}
