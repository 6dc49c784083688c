using Serving.LoadTest.Measurement;

namespace Serving.LoadTest.Tests.Measurement;

public sealed class LatencyHistogramTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    [InlineData(0.999)]
    public void Quantile_LogNormalLatencies_WithinOnePercentOfExact(double q)
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 20_000)
            .Select(_ => (long)Math.Exp(Math.Log(20_000) + 0.8 * Gaussian(random)))
            .ToArray();
        var histogram = new LatencyHistogram();
        foreach (var v in values)
        {
            histogram.RecordMicros(v);
        }

        Array.Sort(values);
        var exact = values[(int)Math.Ceiling(q * values.Length) - 1];

        Assert.InRange(histogram.QuantileMicros(q), exact * 0.99, exact * 1.01);
    }

    [Fact]
    public void Quantile_SmallValues_AreExact()
    {
        var histogram = new LatencyHistogram();
        foreach (var v in new long[] { 5, 1, 3, 2, 4 })
        {
            histogram.RecordMicros(v);
        }

        Assert.Equal(1, histogram.QuantileMicros(0));
        Assert.Equal(3, histogram.QuantileMicros(0.5));
        Assert.Equal(5, histogram.QuantileMicros(1));
        Assert.Equal(3, histogram.MeanMicros);
    }

    [Fact]
    public void Buckets_CoverEveryValueWithBoundedWidth()
    {
        foreach (var v in new long[] { 0, 127, 128, 129, 255, 256, 1000, 65_535, 1_000_000, 3_600_000_000, long.MaxValue / 2 })
        {
            var (lower, width) = LatencyHistogram.BucketOf(LatencyHistogram.IndexOf(v));
            Assert.InRange(v, lower, lower + width - 1);
            Assert.True(width == 1 || (double)width / lower <= 1.0 / 64, $"bucket of {v} is {width} wide at {lower}");
        }
    }

    [Fact]
    public void Add_MergesCountsAndExtremes()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        a.Record(TimeSpan.FromMilliseconds(10));
        b.Record(TimeSpan.FromMilliseconds(30));
        b.Record(TimeSpan.FromMilliseconds(20));

        a.Add(b);

        Assert.Equal(3, a.Count);
        Assert.Equal(10_000, a.MinMicros);
        Assert.Equal(30_000, a.MaxMicros);
        Assert.InRange(a.QuantileMillis(0.5), 19.8, 20.2);
    }

    [Fact]
    public void Quantile_Empty_IsZero() => Assert.Equal(0, new LatencyHistogram().QuantileMicros(0.99));

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
