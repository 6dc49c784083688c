using System.Diagnostics;
using System.Text.RegularExpressions;
using Serving.LoadTest.Reporting;

namespace Serving.LoadTest.Tests.Reporting;

public sealed partial class ChromiumRenderTests
{
    [ChromiumFact]
    public async Task ReportHtml_InHeadlessChromium_DrawsAllFourCharts()
    {
        var library = ChartLibrary.TryLoad();
        Assert.True(library is not null, $"Chart.js is missing at {ChartLibrary.DefaultPath}: run ./test.sh (scripts/setup.sh tests fetches it).");
        var folder = Path.Combine(Path.GetTempPath(), $"report-render-{Guid.NewGuid():N}");
        try
        {
            await ReportWriter.WriteAsync(ReportFixtures.Sample(), folder, library);
            var page = new Uri(Path.Combine(folder, "report.html")).AbsoluteUri;

            var dom = await DumpDomAsync(page, Path.Combine(folder, "profile"));

            var drawn = ChartsDrawn().Match(dom);
            Assert.True(drawn.Success, "the page never set data-charts-drawn: " + dom[..Math.Min(dom.Length, 500)]);
            Assert.Equal("4", drawn.Groups[1].Value);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<string> DumpDomAsync(string page, string profile)
    {
        var start = new ProcessStartInfo(ChromiumFactAttribute.Binary!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--mute-audio",
            "--user-data-dir=" + profile, "--window-size=1400,1200", "--virtual-time-budget=10000", "--dump-dom", page,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var dom = await stdout;
        Assert.True(process.ExitCode == 0, $"chromium exited {process.ExitCode}: {await stderr}");
        return dom;
    }

    [GeneratedRegex("<body[^>]*data-charts-drawn=\"([^\"]*)\"")]
    private static partial Regex ChartsDrawn();
}

/// <summary>A fact that needs Debian <c>chromium</c> (scripts/setup.sh tests installs it as root); skipped, saying so, only where it is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public static readonly string? Binary = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    public ChromiumFactAttribute()
    {
        if (Binary is null)
        {
            Skip = "chromium is not installed and could not be: scripts/setup.sh tests installs the Debian package 'chromium' when run as root";
        }
    }
}
