using Serving.Router.Configuration;

namespace Serving.Router.Tests.Configuration;

public sealed class RouterConfigFileTests
{
    private static RouterOptions Apply(string yaml)
    {
        var file = Path.Combine(Path.GetTempPath(), "serving-router-test-" + Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(file, yaml);
        try
        {
            var options = new RouterOptions { Workers = ["localhost:8001"] };
            Assert.Empty(RouterConfigFile.Load(file).ApplyTo(options));
            return options;
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ApplyTo_SelectorTuning_ReachesTheSelectorOptions()
    {
        var options = Apply("selector: slo-aware\nheadroom: 0.2\nweighMissRisk: false\nrescue: false\ncalibrationQuantile: 0.9\n");

        Assert.Equal(0.2, options.Selection.Headroom);
        Assert.False(options.Selection.WeighMissRisk);
        Assert.False(options.Dispatch.Rescue);
        Assert.Equal(0.9, options.LoadTracking.Calibration.Quantile);
    }

    [Fact]
    public void ApplyTo_TuningLeftOut_KeepsTheDefaults()
    {
        var options = Apply("selector: slo-aware\n");

        Assert.Equal(0.1, options.Selection.Headroom);
        Assert.True(options.Selection.WeighMissRisk);
        Assert.True(options.Dispatch.Rescue);
    }
}
