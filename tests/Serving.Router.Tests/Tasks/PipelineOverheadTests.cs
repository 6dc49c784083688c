using Serving.Router.Tasks;

namespace Serving.Router.Tests.Tasks;

/// <summary>The time outside the selected model, per task, at the SLO's percentile: what selection keeps out of the variant's budget.</summary>
public sealed class PipelineOverheadTests
{
    [Fact]
    public void Estimate_FewerThanMinimumSamples_Zero()
    {
        var overhead = new PipelineOverhead();
        for (var i = 0; i < PipelineOverhead.MinimumSamples - 1; i++)
        {
            overhead.Record("face-embedding", TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(TimeSpan.Zero, overhead.Estimate("face-embedding", 0.99));
        Assert.Equal(TimeSpan.Zero, overhead.Estimate("person-segmentation", 0.99));
    }

    [Fact]
    public void Estimate_HundredRequests_PercentileOfTotalMinusModelTime()
    {
        var overhead = new PipelineOverhead();
        for (var i = 1; i <= 100; i++)
        {
            // Overheads 1..100 ms; the model's own time is subtracted.
            overhead.Record("face-embedding", TimeSpan.FromMilliseconds(i + 7), TimeSpan.FromMilliseconds(7));
        }

        overhead.Record("person-segmentation", TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(9));

        Assert.Equal(TimeSpan.FromMilliseconds(99), overhead.Estimate("face-embedding", 0.99));
        Assert.Equal(TimeSpan.FromMilliseconds(50), overhead.Estimate("face-embedding", 0.5));
        Assert.Equal(TimeSpan.Zero, overhead.Estimate("person-segmentation", 0.99));
    }
}
