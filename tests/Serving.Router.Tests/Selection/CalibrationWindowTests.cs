using Serving.Router.Selection;

namespace Serving.Router.Tests.Selection;

public sealed class CalibrationWindowTests
{
    private readonly ManualTimeProvider _time = new();

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    private CalibrationWindow Window(int samples = 20, int minSamples = 5, double quantile = 0.9, double maxFactor = 3) =>
        new(new CalibrationOptions { Samples = samples, MinSamples = minSamples, Quantile = quantile, MaxFactor = maxFactor, MaxAge = TimeSpan.FromSeconds(30) }, _time);

    [Fact]
    public void Factor_FewerCallsThanTheMinimum_StaysOne()
    {
        var window = Window(minSamples: 5);
        for (var i = 0; i < 4; i++)
        {
            window.Add(Ms(100), Ms(250));
        }

        Assert.Equal(1, window.Factor);
        Assert.Equal(2.5, window.Add(Ms(100), Ms(250)), 6);
    }

    [Fact]
    public void Factor_IsTheQuantileOfObservedOverPredicted()
    {
        var window = Window(quantile: 0.9);
        // Ratios 1.1, 1.2, ..., 2.0: the 9th of 10 is the 90th percentile.
        for (var i = 1; i <= 10; i++)
        {
            window.Add(Ms(100), Ms(100 + (10 * i)));
        }

        Assert.Equal(1.9, window.Factor, 6);
    }

    [Fact]
    public void Factor_CallsFasterThanPredicted_NeverLowersPredictions()
    {
        var window = Window();
        for (var i = 0; i < 10; i++)
        {
            window.Add(Ms(100), Ms(40));
        }

        Assert.Equal(1, window.Factor);
    }

    [Fact]
    public void Factor_ShortPredictions_MeasuredAgainstTheMinimumPrediction()
    {
        var window = Window();
        // 10 ms predicted, 30 ms taken: 3x the prediction, but only 0.6x the 50 ms minimum.
        for (var i = 0; i < 10; i++)
        {
            window.Add(Ms(10), Ms(30));
        }

        Assert.Equal(1, window.Factor);

        // 10 ms predicted, 80 ms taken: 1.6x the minimum.
        for (var i = 0; i < 10; i++)
        {
            window.Add(Ms(10), Ms(80));
        }

        Assert.Equal(1.6, window.Factor, 6);
    }

    [Fact]
    public void Factor_IsCapped()
    {
        var window = Window(maxFactor: 3);
        for (var i = 0; i < 10; i++)
        {
            window.Add(Ms(10), Ms(500));
        }

        Assert.Equal(3, window.Factor);
    }

    [Fact]
    public void Factor_OnlyTheMostRecentCallsCount()
    {
        var window = Window(samples: 10, minSamples: 5, quantile: 1);
        for (var i = 0; i < 10; i++)
        {
            window.Add(Ms(100), Ms(200));
        }

        for (var i = 0; i < 10; i++)
        {
            window.Add(Ms(100), Ms(120));
        }

        Assert.Equal(1.2, window.Factor, 6);
    }

    [Fact]
    public void Refresh_OldCallsAreForgotten_FactorBackToOne()
    {
        var window = Window();
        for (var i = 0; i < 10; i++)
        {
            window.Add(Ms(100), Ms(200));
        }

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(2, window.Refresh(), 6);

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, window.Refresh());
    }
}
