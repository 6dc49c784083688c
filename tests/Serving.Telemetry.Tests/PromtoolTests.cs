using System.Diagnostics;

namespace Serving.Telemetry.Tests;

public sealed class PromtoolTests
{
    [Fact]
    public async Task PromtoolCheckMetrics_RealisticServingOutput_HasNoComplaints()
    {
        var promtool = ExternalTools.Require(ExternalTools.Promtool);
        using var scope = new MeterScope(ServingInstruments.Configure);
        ServingInstruments.Record(scope.Meter, scope.Collector);
        var text = scope.Scrape();

        var start = new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(text);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);

        var complaints = (await stdout + await stderr).Trim();
        Assert.True(process.ExitCode == 0 && complaints.Length == 0, $"promtool exit {process.ExitCode}: {complaints}\n--- input ---\n{text}");
        foreach (var name in ServingInstruments.ExposedNames)
        {
            Assert.Contains($"# TYPE {name} ", text);
        }
    }
}
