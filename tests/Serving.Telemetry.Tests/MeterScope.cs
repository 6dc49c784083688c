using System.Buffers;
using System.Diagnostics.Metrics;
using System.Text;

namespace Serving.Telemetry.Tests;

/// <summary>
/// A meter with a name no other test uses and a collector listening only to it, so tests running
/// in parallel never see each other's instruments.
/// </summary>
internal sealed class MeterScope : IDisposable
{
    public MeterScope(Action<ServingTelemetryOptions>? configure = null)
    {
        var prefix = "Serving.Tests." + Guid.NewGuid().ToString("N");
        var options = new ServingTelemetryOptions { MeterPrefix = prefix };
        configure?.Invoke(options);
        Collector = new PrometheusCollector(options);
        Meter = new Meter(prefix + ".Worker");
    }

    public Meter Meter { get; }

    public PrometheusCollector Collector { get; }

    public string Scrape()
    {
        var buffer = new ArrayBufferWriter<byte>();
        Collector.Collect(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The sample lines (no comments) whose metric name is exactly <paramref name="name"/>.</summary>
    public static string[] Samples(string text, string name) =>
        text.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal)).ToArray();

    public void Dispose()
    {
        Meter.Dispose();
        Collector.Dispose();
    }
}
