using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Serving.LoadTest.Reporting;

/// <summary>Writes report.json, report.md and report.html into a folder.</summary>
public static class ReportWriter
{
    /// <summary>Writes the three files into <paramref name="directory"/> (created when missing); returns their paths.</summary>
    /// <param name="chartLibrary">Chart.js source to inline; null = <see cref="ChartLibrary.TryLoad"/> (the page then says when it is missing).</param>
    public static async Task<IReadOnlyList<string>> WriteAsync(LoadTestReport report, string directory, string? chartLibrary = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var json = Path.Combine(directory, "report.json");
        var md = Path.Combine(directory, "report.md");
        var html = Path.Combine(directory, "report.html");
        await File.WriteAllTextAsync(json, ToJson(report), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(md, ToMarkdown(report), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(html, ToHtml(report, chartLibrary ?? ChartLibrary.TryLoad()), cancellationToken).ConfigureAwait(false);
        return [json, md, html];
    }

    public static string ToJson(LoadTestReport report) => JsonSerializer.Serialize(report, ReportJsonContext.Default.LoadTestReport);

    public static string ToMarkdown(LoadTestReport report)
    {
        var r = report.Run;
        var t = report.Totals;
        var l = report.Latency;
        var md = new StringBuilder();
        md.AppendLine("# Load test report").AppendLine();
        md.AppendLine(Inv($"Endpoint `{r.Endpoint}`, started {r.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC, {r.Mode} ({r.Schedule}{(r.Concurrency is { } callers ? Inv($", concurrency {callers}") : Inv($", rate {r.Rate}/s"))}), {r.DurationSeconds:0.###} s measured after {r.WarmupSeconds:0.###} s warm-up, seed {r.Seed}."));
        md.AppendLine(Inv($"Mix `{r.Mix}`, SLO classes `{r.Slo}`{(r.RouterSelector.Length > 0 ? $", router selector `{r.RouterSelector}`" : "")}. Latency counts from each request's scheduled send time."));
        md.AppendLine();
        md.AppendLine("| sent | ok | failed | offered req/s | throughput req/s | goodput req/s | SLO attainment | accuracy-weighted goodput |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        md.AppendLine(Inv($"| {t.Sent} | {t.Ok} | {t.Failed} | {t.OfferedRate:0.##} | {t.Throughput:0.##} | {t.Goodput:0.##} | {Pct(t.Attainment, 2)} | {t.AccuracyWeightedGoodput:0.###} |"));
        md.AppendLine().AppendLine("## Latency (OK answers, ms)").AppendLine();
        md.AppendLine("| count | p50 | p90 | p99 | p99.9 | mean | max |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
        md.AppendLine(Inv($"| {l.Count} | {l.P50Ms:0.##} | {l.P90Ms:0.##} | {l.P99Ms:0.##} | {l.P999Ms:0.##} | {l.MeanMs:0.##} | {l.MaxMs:0.##} |"));
        md.AppendLine().AppendLine("## SLO classes").AppendLine();
        md.AppendLine("| class | budget ms | sent | ok | in SLO | attainment | p50 ms | p99 ms |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var c in report.SloClasses)
        {
            md.AppendLine(Inv($"| {c.Name} | {c.BudgetMs:0.##} | {c.Sent} | {c.Ok} | {c.InSlo} | {Pct(c.Attainment, 2)} | {c.P50Ms:0.##} | {c.P99Ms:0.##} |"));
        }

        md.AppendLine().AppendLine("## Tasks").AppendLine();
        md.AppendLine("| task | sent | ok | in SLO | attainment | p50 ms | p99 ms | accuracy-weighted goodput |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var k in report.Tasks)
        {
            md.AppendLine(Inv($"| {k.Task} | {k.Sent} | {k.Ok} | {k.InSlo} | {Pct(k.Attainment, 2)} | {k.P50Ms:0.##} | {k.P99Ms:0.##} | {k.AccuracyWeightedGoodput:0.###} |"));
        }

        md.AppendLine().AppendLine("## Status codes").AppendLine();
        md.AppendLine("| code | count |").AppendLine("|---|---:|");
        foreach (var (code, count) in report.Codes)
        {
            md.AppendLine(Inv($"| {code} | {count} |"));
        }

        if (report.Errors.Count > 0)
        {
            md.AppendLine().AppendLine("## Failure messages").AppendLine();
            md.AppendLine("| code | message | count |").AppendLine("|---|---|---:|");
            foreach (var e in report.Errors)
            {
                md.AppendLine(Inv($"| {e.Code} | {Cell(e.Message)} | {e.Count} |"));
            }
        }

        md.AppendLine().AppendLine("## Variant mix").AppendLine();
        md.AppendLine("| variant | answers | share | quality |").AppendLine("|---|---:|---:|---:|");
        foreach (var v in report.Variants)
        {
            md.AppendLine(Inv($"| {(v.Variant.Length == 0 ? "(none)" : v.Variant)} | {v.Count} | {Pct(v.Share, 1)} | {(v.Quality is { } q ? q.ToString("0.###", CultureInfo.InvariantCulture) : "-")} |"));
        }

        if (report.Faults.Count > 0)
        {
            md.AppendLine().AppendLine("## Faults").AppendLine();
            md.AppendLine("| t (s) | action | pid | result |").AppendLine("|---:|---|---:|---|");
            foreach (var f in report.Faults)
            {
                md.AppendLine(Inv($"| {f.T:0.###} | {f.Action} | {f.ProcessId} | {f.Result} |"));
            }
        }

        if (report.Warnings.Count > 0)
        {
            md.AppendLine().AppendLine("## Warnings").AppendLine();
            foreach (var w in report.Warnings)
            {
                md.AppendLine("- " + w);
            }
        }

        return md.ToString();
    }

    /// <summary>
    /// A self-contained page: the report's JSON and Chart.js inlined, four charts (latency over time,
    /// throughput, attainment per class, variant mix) with fault times drawn as vertical lines.
    /// After drawing, the page checks each canvas has painted pixels and sets
    /// <c>data-charts-drawn</c> on &lt;body&gt; to their count (the render test reads it).
    /// </summary>
    public static string ToHtml(LoadTestReport report, string? chartLibrary)
    {
        var json = ToJson(report).Replace("</", "<\\/", StringComparison.Ordinal);
        var html = new StringBuilder();
        html.Append("""
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Serving load test</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:1.5em}
.chart{position:relative;height:300px}.warn{color:#a40}
</style>
""");
        if (chartLibrary is null)
        {
            html.Append("</head><body data-charts-drawn=\"0\"><p class=\"warn\">Chart.js was not found when this report was written (run scripts/setup.sh runtime, which fetches it); the charts are missing, the tables are complete.</p>\n");
        }
        else
        {
            html.Append("<script>/* Chart.js ").Append(ChartLibrary.Version).Append(", MIT licence, inlined so the page opens offline */\n");
            html.Append(chartLibrary.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase));
            html.Append("\n</script>\n</head><body data-charts-drawn=\"pending\">\n");
        }

        html.Append("<h1>Serving load test</h1>\n<div id=\"summary\"></div>\n");
        html.Append("<div class=\"charts\">");
        foreach (var (id, title) in new[] { ("latency", "Latency over time (ms, from scheduled send)"), ("throughput", "Throughput (requests/s)"), ("attainment", "SLO attainment per class"), ("variants", "Variant mix (answers/s)") })
        {
            html.Append(Inv($"<div><h3>{title}</h3><div class=\"chart\"><canvas id=\"{id}\"></canvas></div></div>"));
        }

        html.Append("</div>\n<h2>Report (Markdown)</h2><pre id=\"markdown\"></pre>\n");
        html.Append("<script id=\"report-data\" type=\"application/json\">").Append(json).Append("</script>\n");
        html.Append("<script>\nconst markdown = ").Append(JsonSerializer.Serialize(ToMarkdown(report), ReportJsonContext.Default.String).Replace("</", "<\\/", StringComparison.Ordinal)).Append(";\n");
        html.Append(Script);
        html.Append("</script>\n</body></html>\n");
        return html.ToString();
    }

    private const string Script = """
const report = JSON.parse(document.getElementById('report-data').textContent);
document.getElementById('markdown').textContent = markdown;
const t = report.totals, l = report.latency;
document.getElementById('summary').innerHTML =
  `<table><tr><th>sent</th><th>ok</th><th>throughput/s</th><th>goodput/s</th><th>attainment</th><th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th></tr>` +
  `<tr><td>${t.sent}</td><td>${t.ok}</td><td>${t.throughput.toFixed(2)}</td><td>${t.goodput.toFixed(2)}</td>` +
  `<td>${(100 * t.attainment).toFixed(2)}%</td><td>${l.p50_ms.toFixed(2)}</td><td>${l.p99_ms.toFixed(2)}</td><td>${l.p999_ms.toFixed(2)}</td></tr></table>`;
if (typeof Chart !== 'undefined') {
  const x = report.timeline.map(p => p.t);
  const faults = report.faults.filter(f => f.done);
  // Vertical lines at fault times, labelled with the action.
  const faultLines = { id: 'faultLines', afterDraw(chart) {
    const { ctx, chartArea, scales } = chart;
    for (const f of faults) {
      const px = scales.x.getPixelForValue(f.t);
      if (px < chartArea.left || px > chartArea.right) continue;
      ctx.save(); ctx.strokeStyle = '#c00'; ctx.setLineDash([4, 4]); ctx.beginPath();
      ctx.moveTo(px, chartArea.top); ctx.lineTo(px, chartArea.bottom); ctx.stroke();
      ctx.fillStyle = '#c00'; ctx.fillText(`${f.action} ${f.process_id}`, px + 3, chartArea.top + 10); ctx.restore();
    }
  } };
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  const base = (yTitle, extra) => ({ animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
    scales: { x: { type: 'linear', title: { display: true, text: 'time (s, run start)' } }, y: { beginAtZero: true, title: { display: true, text: yTitle }, ...extra } } });
  const series = (label, ys, i) => ({ label, data: x.map((v, k) => ({ x: v, y: ys[k] })), borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], pointRadius: 0 });
  const charts = [];
  charts.push(new Chart(document.getElementById('latency'), { type: 'line', plugins: [faultLines], options: base('ms'),
    data: { datasets: [series('p50', report.timeline.map(p => p.p50_ms), 0), series('p99', report.timeline.map(p => p.p99_ms), 3)] } }));
  charts.push(new Chart(document.getElementById('throughput'), { type: 'line', plugins: [faultLines], options: base('requests/s'),
    data: { datasets: [series('sent', report.timeline.map(p => p.sent), 7), series('ok', report.timeline.map(p => p.ok), 0), series('in SLO (goodput)', report.timeline.map(p => p.in_slo), 2), series('errors', report.timeline.map(p => p.errors), 3)] } }));
  const classes = report.slo_classes.map(c => c.name);
  charts.push(new Chart(document.getElementById('attainment'), { type: 'line', plugins: [faultLines], options: base('attained', { max: 1 }),
    data: { datasets: classes.map((c, i) => series(c, report.timeline.map(p => p.attainment[c] ?? null), i)) } }));
  const variants = report.variants.map(v => v.variant);
  const variantOptions = base('answers/s'); variantOptions.scales.x.stacked = true; variantOptions.scales.y.stacked = true;
  charts.push(new Chart(document.getElementById('variants'), { type: 'bar', plugins: [faultLines], options: variantOptions,
    data: { datasets: variants.map((v, i) => ({ ...series(v || '(none)', report.timeline.map(p => p.variants[v] ?? 0), i), borderWidth: 0 })) } }));
  // Charts drew when each canvas has painted (non-transparent) pixels.
  const drawn = charts.filter(c => { const d = c.ctx.getImageData(0, 0, c.canvas.width, c.canvas.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true; return false; }).length;
  document.body.dataset.chartsDrawn = String(drawn);
} else {
  document.body.dataset.chartsDrawn = '0';
}
""";

    /// <summary>A share as a percentage without the culture's space: 65.00%.</summary>
    internal static string Pct(double share, int decimals) =>
        (share * 100).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + "%";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Text safe inside one Markdown table cell: no pipes, no line breaks, empty shown as a dash.</summary>
    private static string Cell(string text) =>
        text.Length == 0 ? "-" : text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
