using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Serving.Testing;

/// <summary>
/// A real Prometheus (Debian's <c>/usr/bin/prometheus</c>) on a free loopback port, scraping one
/// target every second, with its own temporary storage; killed and cleaned up on dispose.
/// </summary>
public sealed class PrometheusServer : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "serving-prometheus-" + Guid.NewGuid().ToString("N"));
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Process _process;
    private readonly int _port;

    private PrometheusServer(string job, int targetPort, string metricsPath)
    {
        var binary = ExternalTools.Require(ExternalTools.Prometheus);
        Directory.CreateDirectory(_directory);
        _port = FreePort.Next();
        var config = Path.Combine(_directory, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: {job}
                metrics_path: {metricsPath}
                static_configs:
                  - targets: ['127.0.0.1:{targetPort}']
            """);
        var start = new ProcessStartInfo(binary,
        [
            "--config.file=" + config,
            "--storage.tsdb.path=" + Path.Combine(_directory, "data"),
            $"--web.listen-address=127.0.0.1:{_port}",
            "--log.level=warn",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Log(e.Data);
        _process.ErrorDataReceived += (_, e) => Log(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts Prometheus scraping <c>127.0.0.1:<paramref name="targetPort"/><paramref name="metricsPath"/></c> as job <paramref name="job"/>.</summary>
    public static PrometheusServer Start(string job, int targetPort, string metricsPath = "/metrics") => new(job, targetPort, metricsPath);

    /// <summary>
    /// Polls the instant-query API until the series (keyed by <paramref name="label"/>, or "" for a
    /// single unlabelled result) equal <paramref name="expected"/>: Prometheus needs a moment to start
    /// and then a scrape or two. <paramref name="patience"/> is only a safety net.
    /// </summary>
    public async Task<Dictionary<string, double>> QueryUntilAsync(string query, string? label, IReadOnlyDictionary<string, double> expected, TimeSpan patience)
    {
        var uri = new Uri($"http://127.0.0.1:{_port}/api/v1/query?query={Uri.EscapeDataString(query)}");
        var deadline = Stopwatch.StartNew();
        var lastError = "no answer yet";
        while (deadline.Elapsed < patience)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"prometheus exited with {_process.ExitCode}:\n{LogText()}");
            }

            try
            {
                using var document = JsonDocument.Parse(await _http.GetStringAsync(uri));
                var result = document.RootElement.GetProperty("data").GetProperty("result");
                var series = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var item in result.EnumerateArray())
                {
                    var key = label is null ? "" : item.GetProperty("metric").GetProperty(label).GetString()!;
                    series[key] = double.Parse(item.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
                }

                if (series.Count == expected.Count && expected.All(e => series.TryGetValue(e.Key, out var value) && value == e.Value))
                {
                    return series;
                }

                lastError = $"result: {result}";
            }
            catch (HttpRequestException e)
            {
                lastError = e.Message;
            }
            catch (TaskCanceledException e)
            {
                lastError = e.Message;
            }

            // Waiting on another process's scrape loop: a short pause between polls, bounded above.
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        Assert.Fail($"'{query}' did not reach {string.Join(", ", expected)} within {patience} (last: {lastError}).\nprometheus log:\n{LogText()}");
        return [];
    }

    /// <summary>The single value of <paramref name="query"/>, once it equals <paramref name="expected"/>.</summary>
    public async Task<double> QueryScalarUntilAsync(string query, double expected, TimeSpan patience) =>
        (await QueryUntilAsync(query, null, new Dictionary<string, double> { [""] = expected }, patience))[""];

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _http.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Prometheus may still be closing its TSDB files; the temp folder is cleaned by the OS.
        }
    }

    private void Log(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private string LogText()
    {
        lock (_log)
        {
            return _log.ToString();
        }
    }
}
