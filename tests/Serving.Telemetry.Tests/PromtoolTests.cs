namespace Serving.Telemetry.Tests;

public sealed class PromtoolTests
{
    [Fact]
    public async Task PromtoolCheckMetrics_RealisticServingOutput_HasNoComplaints()
    {
        using var scope = new MeterScope(ServingInstruments.Configure);
        ServingInstruments.Record(scope.Meter, scope.Collector);
        var text = scope.Scrape();

        var (exitCode, complaints) = await Promtool.CheckMetricsAsync(text);

        Assert.True(exitCode == 0 && complaints.Length == 0, $"promtool exit {exitCode}: {complaints}\n--- input ---\n{text}");
        foreach (var name in ServingInstruments.ExposedNames)
        {
            Assert.Contains($"# TYPE {name} ", text);
        }
    }
}
