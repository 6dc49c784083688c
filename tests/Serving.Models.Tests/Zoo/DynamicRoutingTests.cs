using Serving.Models.Inspection;
using Serving.Models.Zoo;
using Xunit.Abstractions;

namespace Serving.Models.Tests.Zoo;

/// <summary>The dynamic-routing network's work depends on its input: closed gates skip paths and cells.</summary>
public sealed class DynamicRoutingTests(ITestOutputHelper output)
{
    private const int Size = DynamicRoutingModels.Size;

    [Fact]
    public void Inspect_Segmenter_CostRangesWithTheGates()
    {
        var report = ModelInspector.Inspect(ModelZoo.Build("dynroute_seg", seed: 3));
        output.WriteLine(ModelReportFormat.ToText(report, "dynroute_seg"));

        Assert.True(report.ConditionalNodes > 10, "every non-stem cell, path and decoder projection is conditional");
        Assert.True(report.MultiplyAddsMin * 2 < report.MultiplyAddsMax, $"skipping must save work: {report.MultiplyAddsMin} vs {report.MultiplyAddsMax}");
        Assert.Equal(new long[] { 1, 1, Size, Size }, report.OutputShapes["mask"]);
    }

    [Fact]
    public void Run_DarkAndTexturedImages_OpenDifferentPaths()
    {
        using var session = ZooRunner.Load(ModelZoo.Build("dynroute_seg", seed: 3));
        var dark = Enumerable.Repeat(-1f, 3 * Size * Size).ToArray();
        var textured = ZooRunner.Images(seed: 9, batch: 1, Size).Select(v => v * 2f + 1f).ToArray();

        var darkOut = ZooRunner.Run(session, 1, Size, dark);
        var texturedOut = ZooRunner.Run(session, 1, Size, textured);

        var darkOpen = darkOut[1].Count(v => v > 0);
        var texturedOpen = texturedOut[1].Count(v => v > 0);
        output.WriteLine($"open paths: dark {darkOpen}, textured {texturedOpen} of {darkOut[1].Length}");
        Assert.NotEqual(darkOut[1].Select(v => v > 0), texturedOut[1].Select(v => v > 0));
        Assert.True(darkOpen < texturedOpen, $"dark {darkOpen} vs textured {texturedOpen}");
        Assert.All(darkOut[0].Concat(texturedOut[0]), p => Assert.InRange(p, 0f, 1f));
    }

    [Fact]
    public void Run_Batch_MatchesSingles()
    {
        var masks = ZooRunner.AssertBatchesLikeSingles(ModelZoo.Build("dynroute_seg", seed: 3), Size, seed: 10);

        Assert.Equal(2 * Size * Size, masks.Length);
    }
}
