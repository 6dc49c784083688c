using Serving.Models.Evaluation;

namespace Serving.Models.Tests.Evaluation;

public sealed class RocMetricsTests
{
    [Fact]
    public void Auc_PerfectReversedAndTied_GiveOneZeroAndHalf()
    {
        Assert.Equal(1.0, RocMetrics.Auc([0.8, 0.9], [0.1, 0.2, 0.3]));
        Assert.Equal(0.0, RocMetrics.Auc([0.1], [0.5, 0.6]));
        Assert.Equal(0.5, RocMetrics.Auc([0.5, 0.5], [0.5]));
    }

    [Fact]
    public void Auc_OneSwappedPair_CountsItsShare()
    {
        // Same {0.4, 0.9}, different {0.5, 0.1}: 3 of 4 comparisons won.
        Assert.Equal(0.75, RocMetrics.Auc([0.4, 0.9], [0.5, 0.1]));
    }

    [Fact]
    public void TarAtFar_AllowsFloorFarTimesDifferentFalseAccepts()
    {
        double[] different = Enumerable.Range(0, 100).Select(i => i / 100.0).ToArray(); // max 0.99
        double[] same = [0.985, 0.995, 1.0, 0.5];

        // FAR 1e-2 of 100: one false accept allowed -> threshold 0.98 (accept above): 0.985, 0.995, 1.0.
        Assert.Equal(0.75, RocMetrics.TarAtFar(same, different, 1e-2));
        // FAR 1e-3 of 100: none allowed -> threshold 0.99: 0.995 and 1.0.
        Assert.Equal(0.5, RocMetrics.TarAtFar(same, different, 1e-3));
    }
}
