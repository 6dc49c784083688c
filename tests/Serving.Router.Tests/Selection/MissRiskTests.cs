using Serving.Router.Selection;

namespace Serving.Router.Tests.Selection;

public sealed class MissRiskTests
{
    private static readonly TimeSpan Median = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan P99 = TimeSpan.FromMilliseconds(200);

    private static double At(double budgetMs) => MissRisk.Estimate(Median, P99, TimeSpan.FromMilliseconds(budgetMs));

    [Fact]
    public void Estimate_AtTheTwoPredictions_HalfAndOnePercent()
    {
        Assert.Equal(0.5, At(100), 9);
        Assert.Equal(0.01, At(200), 9);
    }

    [Fact]
    public void Estimate_BeyondTheP99_TheTailKeepsFallingExponentially()
    {
        Assert.Equal(0.0002, At(300), 9);
        Assert.True(At(250) is > 0.0002 and < 0.01);
        Assert.True(At(1000) < 1e-12);
    }

    [Fact]
    public void Estimate_BeforeTheMedian_RisesToCertainty()
    {
        Assert.True(At(90) is > 0.5 and < 1);
        Assert.Equal(1, At(0));
        Assert.Equal(1, At(-50));
    }

    [Fact]
    public void Estimate_NoSpread_AStepAtTheP99()
    {
        var same = TimeSpan.FromMilliseconds(100);

        Assert.Equal(0, MissRisk.Estimate(same, same, same));
        Assert.Equal(1, MissRisk.Estimate(same, same, same - TimeSpan.FromTicks(1)));
        Assert.Equal(0, MissRisk.Estimate(TimeSpan.FromMilliseconds(120), same, same));
    }
}
