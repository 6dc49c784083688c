using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Grpc.Health.V1;
using Serving.Grpc;
using Serving.Grpc.Health;

namespace Serving.IntegrationTests.Infrastructure;

/// <summary>A real <c>serving</c> child process (router or worker) with its output captured for failure messages.</summary>
internal sealed class ServingProcess : IDisposable
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromMinutes(3);
    private readonly StringBuilder _log = new();
    private readonly Process _process;

    private ServingProcess(string name, int port, int metricsPort, IReadOnlyList<string> arguments)
    {
        Name = name;
        Port = port;
        MetricsPort = metricsPort;
        var start = new ProcessStartInfo("dotnet", [LocateCli(), .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
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

    public string Address => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public bool HasExited => _process.HasExited;

    /// <summary>A worker serving <paramref name="repository"/> on <paramref name="port"/> (one intra-op thread per session).</summary>
    public static ServingProcess StartWorker(string name, int port, string repository)
    {
        var metricsPort = FreePort.Next();
        return new(name, port, metricsPort, ["worker", "--repository", repository, "--port", Text(port), "--metrics-port", Text(metricsPort), "--threads", "1", "--grace-period", "5"]);
    }

    /// <summary><c>serving standalone</c> (router on <paramref name="port"/>, workers on +100 and +200) with extra arguments.</summary>
    public static ServingProcess StartStandalone(int port, int metricsPort, params string[] extra) =>
        new("standalone", port, metricsPort, ["standalone", "--port", Text(port), "--metrics-port", Text(metricsPort), .. extra]);

    /// <summary>A router over <paramref name="workers"/> with the catalogue of <paramref name="repository"/>.</summary>
    public static ServingProcess StartRouter(int port, int metricsPort, IEnumerable<string> workers, string repository, params string[] extra) =>
        new("router", port, metricsPort, ["router", "--port", Text(port), "--metrics-port", Text(metricsPort), "--workers", string.Join(',', workers), "--repository", repository, .. extra]);

    /// <summary>Waits (grpc.health.v1 Watch) until the process reports SERVING for the whole server.</summary>
    public async Task WaitServingAsync()
    {
        using var channel = GrpcChannel.ForAddress("http://" + Address);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < SafetyTimeout)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"{Name} exited with {_process.ExitCode}:\n{Log}");
            }

            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                using var watch = channel.CallInvoker.ServerStreaming(HealthMethods.Watch, new HealthCheckRequest(), new CallOptions(CancellationToken: cancel.Token));
                while (await watch.ResponseStream.MoveNext(cancel.Token))
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

        Assert.Fail($"{Name} did not become SERVING within {SafetyTimeout}:\n{Log}");
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
    public void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

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

    /// <summary>The CLI this solution built: src/Serving.Cli/bin/&lt;Configuration&gt;/net10.0/serving.dll.</summary>
    private static string LocateCli()
    {
        var configuration = typeof(ServingProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var root = RepositoryRoot();
        var dll = Path.Combine(root, "src", "Serving.Cli", "bin", configuration, "net10.0", "serving.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build src/Serving.Cli -c {configuration}.");
        return dll;
    }

    /// <summary>The directory holding Serving.sln.</summary>
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
}
