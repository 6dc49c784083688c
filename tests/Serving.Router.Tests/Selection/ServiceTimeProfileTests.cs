using Serving.Router.Selection;

namespace Serving.Router.Tests.Selection;

public sealed class ServiceTimeProfileTests
{
    private static readonly ServiceTimeProfile Profile = new(
    [
        new BatchServiceTime(4, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40)),
        new BatchServiceTime(1, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(30)),
    ]);

    [Fact]
    public void Estimate_MeasuredSize_GivesThePercentileAsked()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(10), Profile.Estimate(1, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(30), Profile.Estimate(1, 0.99));
    }

    [Fact]
    public void Estimate_UnmeasuredSize_UsesNextLargerMeasuredSize()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(40), Profile.Estimate(2, 0.99));
    }

    [Fact]
    public void Estimate_AboveLargestSize_ScalesLinearly()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(80), Profile.Estimate(8, 0.99));
    }

    [Fact]
    public void Estimate_P95_InterpolatesBetweenP50AndP99()
    {
        var p95 = Profile.Estimate(1, 0.95)!.Value.TotalMilliseconds;

        Assert.Equal(10 + (20 * 0.45 / 0.49), p95, 3);
    }

    [Fact]
    public void Estimate_NothingMeasured_IsUnknown()
    {
        Assert.Null(ServiceTimeProfile.Empty.Estimate(1, 0.99));
    }
}
