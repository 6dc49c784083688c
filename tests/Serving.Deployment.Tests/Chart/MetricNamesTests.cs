using System.Text.RegularExpressions;
using Serving.Deployment.Tests.Infrastructure;

namespace Serving.Deployment.Tests.Chart;

/// <summary>
/// helm/serving/metrics.txt is the one list of metric names the chart's dashboards, alert rules and
/// adapter rule read; a scrape of a running router and worker is checked against it elsewhere.
/// </summary>
public sealed partial class MetricNamesTests
{
    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    [Fact]
    public void MetricsList_EveryServingMetricTheChartReads_IsListed()
    {
        var listed = MetricsList.Names();

        var missing = ChartSources()
            .SelectMany(source => ServingMetric().Matches(File.ReadAllText(source)).Select(m => (source, name: m.Value)))
            .Where(hit => !listed.Contains(BaseName(hit.name, listed)))
            .Select(hit => $"{Path.GetRelativePath(Tools.ChartDirectory, hit.source)}: {hit.name}")
            .Distinct()
            .ToArray();

        Assert.True(missing.Length == 0, "metrics read by the chart but not in metrics.txt:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void MetricsList_EveryListedMetric_IsReadByTheChart()
    {
        var used = ChartSources()
            .SelectMany(source => ServingMetric().Matches(File.ReadAllText(source)).Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);

        var unused = MetricsList.Names().Where(name => !used.Contains(name) && !HistogramSuffixes.Any(s => used.Contains(name + s))).ToArray();

        Assert.True(unused.Length == 0, "metrics.txt lists metrics no dashboard, alert or adapter rule reads:\n" + string.Join('\n', unused));
    }

    [Fact]
    public void MetricsList_Names_FollowThePrometheusConventions()
    {
        foreach (var name in MetricsList.Names())
        {
            Assert.Matches("^serving_[a-z0-9_]+$", name);
            Assert.False(HistogramSuffixes.Any(name.EndsWith), $"{name}: list histograms by their base name");
        }
    }

    private static IEnumerable<string> ChartSources() =>
        Directory.EnumerateFiles(Path.Combine(Tools.ChartDirectory, "files", "dashboards"), "*.json")
            .Append(Path.Combine(Tools.ChartDirectory, "files", "alerts.yaml"))
            .Append(Path.Combine(Tools.ChartDirectory, "templates", "adapter-rule.yaml"));

    private static string BaseName(string name, IReadOnlySet<string> listed)
    {
        if (listed.Contains(name))
        {
            return name;
        }

        var suffix = HistogramSuffixes.FirstOrDefault(name.EndsWith);
        return suffix is null ? name : name[..^suffix.Length];
    }

    // The adapter's own output metric (values worker.autoscaling.metricName) is not scraped: skip it.
    [GeneratedRegex(@"\bserving_(?!queue_seconds_per_request)[a-z0-9_]+\b")]
    private static partial Regex ServingMetric();
}

/// <summary>Reads helm/serving/metrics.txt (one name a line, # comments).</summary>
public static class MetricsList
{
    public static IReadOnlySet<string> Names() =>
        File.ReadAllLines(Path.Combine(Tools.ChartDirectory, "metrics.txt"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToHashSet(StringComparer.Ordinal);
}
