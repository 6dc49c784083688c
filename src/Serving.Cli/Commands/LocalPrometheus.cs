using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Serving.Cli.Commands;

/// <summary>
/// A real Prometheus (Debian's <c>/usr/bin/prometheus</c>) for the one-machine cluster: scrapes the
/// router (job <c>router</c>) and the workers (job <c>worker</c>) every 2 s and evaluates the
/// chart's recording and alert rules (helm/serving/files, embedded in this executable), with its
/// storage in a temporary folder removed on dispose.
/// </summary>
internal sealed class LocalPrometheus : IDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    private readonly Process _process;
    private readonly string _directory;

    private LocalPrometheus(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
    }

    /// <summary>The web UI and API.</summary>
    public string Url { get; }

    /// <summary>Starts Prometheus on <paramref name="port"/>; the targets are host:port of /metrics endpoints.</summary>
    /// <exception cref="FileNotFoundException">Prometheus is not installed (the message says how to install it).</exception>
    public static LocalPrometheus Start(int port, int routerMetricsPort, IEnumerable<int> workerMetricsPorts)
    {
        if (!File.Exists(Binary))
        {
            throw new FileNotFoundException($"{Binary} is missing: install Debian's prometheus (apt-get install -y prometheus)", Binary);
        }

        var directory = Path.Combine(Path.GetTempPath(), "serving-prometheus-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        foreach (var rules in new[] { "recording-rules.yaml", "alerts.yaml" })
        {
            using var resource = Assembly.GetExecutingAssembly().GetManifestResourceStream(rules)
                ?? throw new InvalidOperationException($"the rule file {rules} is not embedded in this build");
            using var file = File.Create(Path.Combine(directory, rules));
            resource.CopyTo(file);
        }

        var workers = string.Join(", ", workerMetricsPorts.Select(p => string.Create(CultureInfo.InvariantCulture, $"'127.0.0.1:{p}'")));
        var config = Path.Combine(directory, "prometheus.yml");
        File.WriteAllText(config, string.Create(CultureInfo.InvariantCulture, $"""
            global:
              scrape_interval: 2s
              scrape_timeout: 2s
              evaluation_interval: 2s
            rule_files: [recording-rules.yaml, alerts.yaml]
            scrape_configs:
              - job_name: router
                static_configs:
                  - targets: ['127.0.0.1:{routerMetricsPort}']
              - job_name: worker
                static_configs:
                  - targets: [{workers}]
            """));
        var start = new ProcessStartInfo(Binary,
        [
            "--config.file=" + config,
            "--storage.tsdb.path=" + Path.Combine(directory, "data"),
            string.Create(CultureInfo.InvariantCulture, $"--web.listen-address=127.0.0.1:{port}"),
            "--log.level=warn",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        process.OutputDataReceived += (_, e) => Forward(e.Data);
        process.ErrorDataReceived += (_, e) => Forward(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new LocalPrometheus(process, directory, port);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary folder.
        }
    }

    private static void Forward(string? line)
    {
        if (line is not null)
        {
            Console.Error.WriteLine("prometheus: " + line);
        }
    }
}
