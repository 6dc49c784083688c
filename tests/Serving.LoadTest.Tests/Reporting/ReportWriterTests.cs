using System.Text.Json;
using Serving.LoadTest.Reporting;

namespace Serving.LoadTest.Tests.Reporting;

public sealed class ReportWriterTests
{
    [Fact]
    public void Build_KnownOutcomes_TotalsAndClassesAreRight()
    {
        var report = ReportFixtures.Sample();

        Assert.Equal(30, report.Totals.Sent);
        Assert.Equal(27, report.Totals.Ok);
        // Interactive answers within 100 ms: latencies 20 + 4i <= 100 -> 14 interactive ones (i % 3 != 0) up to i = 20, less the failed i = 19.
        var interactive = report.SloClasses.Single(c => c.Name == "interactive");
        Assert.Equal(20, interactive.Sent);
        Assert.Equal(13, interactive.InSlo);
        Assert.Equal(0.65, interactive.Attainment, 9);
        Assert.Equal(9, report.SloClasses.Single(c => c.Name == "batch").InSlo);
        Assert.Equal(3, report.Timeline.Count);
        Assert.Equal([1.0, 2.0, 3.0], report.Timeline.Select(p => p.T));
        Assert.Equal(3, report.Codes["ResourceExhausted"]);
        Assert.Equal(0.99, report.Variants.Single(v => v.Variant == "heavy").Quality);
    }

    [Fact]
    public void Build_Failures_GroupedByCodeAndMessageMostFrequentFirst()
    {
        var report = ReportFixtures.Sample();

        Assert.Equal(
            [
                new ErrorSummary("ResourceExhausted", "queue of model 'heavy' is full | 8 waiting", 2),
                new ErrorSummary("ResourceExhausted", "no variant of verify answers within 100 ms (slo_unattainable)", 1),
            ],
            report.Errors);
    }

    [Fact]
    public void ToJson_HasSnakeCaseFieldsAndNumbers()
    {
        using var json = JsonDocument.Parse(ReportWriter.ToJson(ReportFixtures.Sample()));
        var root = json.RootElement;

        Assert.Equal(30, root.GetProperty("totals").GetProperty("sent").GetInt64());
        Assert.True(root.GetProperty("totals").GetProperty("accuracy_weighted_goodput").GetDouble() > 0);
        Assert.True(root.GetProperty("latency").GetProperty("p999_ms").GetDouble() >= root.GetProperty("latency").GetProperty("p99_ms").GetDouble());
        Assert.Equal("interactive", root.GetProperty("slo_classes")[0].GetProperty("name").GetString());
        Assert.Equal(3, root.GetProperty("timeline").GetArrayLength());
        Assert.Equal("stop", root.GetProperty("faults")[0].GetProperty("action").GetString());
        Assert.Equal(2, root.GetProperty("errors")[0].GetProperty("count").GetInt64());
        Assert.Equal("open-loop", root.GetProperty("run").GetProperty("mode").GetString());
    }

    [Fact]
    public void ToMarkdown_HasTablesForTotalsClassesCodesVariantsAndFaults()
    {
        var md = ReportWriter.ToMarkdown(ReportFixtures.Sample());

        Assert.Contains("| sent | ok | failed | offered req/s | throughput req/s | goodput req/s | SLO attainment | accuracy-weighted goodput |", md, StringComparison.Ordinal);
        Assert.True(md.Contains("| interactive | 100 | 20 | 18 | 13 | 65.00% |", StringComparison.Ordinal), md);
        Assert.Contains("| ResourceExhausted | 3 |", md, StringComparison.Ordinal);
        // The message's own pipe is escaped so the row keeps three cells.
        Assert.Contains("| ResourceExhausted | queue of model 'heavy' is full \\| 8 waiting | 2 |", md, StringComparison.Ordinal);
        Assert.Contains("| heavy | 14 |", md, StringComparison.Ordinal);
        Assert.Contains("| 2.5 | stop | 4242 | sent |", md, StringComparison.Ordinal);
        Assert.Contains("- a warning", md, StringComparison.Ordinal);
    }

    [Fact]
    public void ToHtml_InlinesChartLibraryAndReportData()
    {
        var html = ReportWriter.ToHtml(ReportFixtures.Sample(), "window.Chart = function FakeChartLibrary() {};");

        Assert.Contains("window.Chart = function FakeChartLibrary() {};", html, StringComparison.Ordinal);
        Assert.Contains("<script id=\"report-data\" type=\"application/json\">", html, StringComparison.Ordinal);
        Assert.Contains("\"accuracy_weighted_goodput\"", html, StringComparison.Ordinal);
        Assert.Equal(4, html.Split("<canvas id=").Length - 1);
        Assert.DoesNotContain("<script src=", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ToHtml_NoChartLibrary_SaysHowToGetIt()
    {
        var html = ReportWriter.ToHtml(ReportFixtures.Sample(), null);

        Assert.Contains("scripts/setup.sh runtime", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_WritesTheThreeFiles()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"report-{Guid.NewGuid():N}");
        try
        {
            var files = await ReportWriter.WriteAsync(ReportFixtures.Sample(), folder, "/* lib */");

            Assert.Equal(["report.json", "report.md", "report.html"], files.Select(Path.GetFileName));
            Assert.All(files, f => Assert.True(new FileInfo(f).Length > 100));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
