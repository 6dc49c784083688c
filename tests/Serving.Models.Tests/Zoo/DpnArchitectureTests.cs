using Serving.Models.Inspection;
using Serving.Models.Zoo;

namespace Serving.Models.Tests.Zoo;

/// <summary>
/// The DPN builders reproduce the paper's networks: at 224x224 with 1000 classes their parameters
/// and multiply-adds, counted by the inspector from the written graph, are within 5% of Table 1.
/// </summary>
/// <remarks>
/// DPN-68's 2.5 GFLOPs in the paper is 7% above what its reference implementation computes
/// (2.33 G here; the timm port reports 2.35 G for the same network, whose parameters, 12.61M,
/// match to the thousand): DPN-68 is checked against the implementation within 5% and against the
/// paper within 10%. DPN-92 and DPN-131 match the paper within 1%.
/// </remarks>
public sealed class DpnArchitectureTests
{
    [Theory]
    [InlineData("dpn68_cls224", 12.6e6, 2.5e9, 2.35e9)]
    [InlineData("dpn92_cls224", 37.7e6, 6.5e9, 6.5e9)]
    [InlineData("dpn131_cls224", 79.5e6, 16.0e9, 16.0e9)]
    public void Build_ImageNetConfiguration_MatchesPaperCost(string name, double paperParameters, double paperMultiplyAdds, double referenceMultiplyAdds)
    {
        var report = ModelInspector.Inspect(ModelZoo.Build(name, seed: 1));

        Assert.InRange(report.LearnableParameters, paperParameters * 0.95, paperParameters * 1.05);
        Assert.InRange(report.MultiplyAdds, referenceMultiplyAdds * 0.95, referenceMultiplyAdds * 1.05);
        Assert.InRange(report.MultiplyAdds, paperMultiplyAdds * 0.90, paperMultiplyAdds * 1.10);
        Assert.Equal(new long[] { 1, 1000 }, report.OutputShapes["logits"]);
        Assert.Equal(report.MultiplyAddsMin, report.MultiplyAddsMax);
    }
}
