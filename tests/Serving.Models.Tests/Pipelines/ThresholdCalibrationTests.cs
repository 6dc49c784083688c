using Serving.Models.Pipelines.Face;

namespace Serving.Models.Tests.Pipelines;

public sealed class ThresholdCalibrationTests
{
    [Fact]
    public void Calibrate_SeparableScores_PutsThresholdMidGap()
    {
        (double, bool)[] pairs = [(0.1, false), (0.2, false), (0.6, true), (0.8, true)];

        (double threshold, double accuracy) = ThresholdCalibration.Calibrate(pairs);

        Assert.Equal(1.0, accuracy);
        Assert.Equal(0.4, threshold, 9);
    }

    [Fact]
    public void Calibrate_OverlappingScores_MaximisesAccuracy()
    {
        // Best cut: between 0.5 and 0.55 (one mistake: the same pair at 0.3).
        (double, bool)[] pairs = [(0.1, false), (0.3, true), (0.4, false), (0.5, false), (0.55, true), (0.9, true)];

        (double threshold, double accuracy) = ThresholdCalibration.Calibrate(pairs);

        Assert.Equal(5.0 / 6, accuracy, 9);
        Assert.InRange(threshold, 0.5, 0.55);
    }

    [Fact]
    public void Calibrate_TiedScores_NeverSplitsATie()
    {
        (double, bool)[] pairs = [(0.5, false), (0.5, true), (0.5, true)];

        (double threshold, double accuracy) = ThresholdCalibration.Calibrate(pairs);

        Assert.Equal(2.0 / 3, accuracy, 9);
        Assert.True(threshold < 0.5);
    }

    [Fact]
    public void Calibrate_NoPairs_Throws() =>
        Assert.Throws<ArgumentException>(() => ThresholdCalibration.Calibrate([]));
}
