using Serving.LoadTest.Schedules;

namespace Serving.LoadTest.Tests.Schedules;

public sealed class ScheduleTests
{
    private static double[] Seconds(IArrivalSchedule schedule, double duration) =>
        schedule.Arrivals(TimeSpan.FromSeconds(duration)).Select(t => Math.Round(t.TotalSeconds, 9)).ToArray();

    [Fact]
    public void Constant_FourPerSecond_ArrivesEveryQuarterSecond()
    {
        Assert.Equal([0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75], Seconds(ScheduleSpec.Parse("constant", 4, 1), 2));
    }

    [Fact]
    public void Poisson_SameSeed_SameArrivals_AndMeanRateHolds()
    {
        var a = Seconds(ScheduleSpec.Parse("poisson", 50, 7), 100);
        var b = Seconds(ScheduleSpec.Parse("poisson", 50, 7), 100);
        var c = Seconds(ScheduleSpec.Parse("poisson", 50, 8), 100);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        // 5,000 expected; a Poisson count's standard deviation is ~71.
        Assert.InRange(a.Length, 4700, 5300);
        Assert.True(a.Zip(a.Skip(1)).All(p => p.First <= p.Second));
        // Exponential gaps: their coefficient of variation is 1 (constant arrivals would give 0).
        var gaps = a.Zip(a.Skip(1), (x, y) => y - x).ToArray();
        var mean = gaps.Average();
        var sd = Math.Sqrt(gaps.Select(g => (g - mean) * (g - mean)).Average());
        Assert.InRange(sd / mean, 0.9, 1.1);
    }

    [Fact]
    public void Step_RatesChangeAtStepTimes()
    {
        var arrivals = Seconds(ScheduleSpec.Parse("step:2@0s,4@1s,0@2s,1@3s", 0, 1), 5);

        Assert.Equal([0, 0.5, 1, 1.25, 1.5, 1.75, 3, 4], arrivals);
    }

    [Fact]
    public void Ramp_RateRisesLinearly_KthArrivalSolvesTheIntegral()
    {
        // Rate 0 -> 20/s over 10 s: N(t) = t^2, so the k-th arrival is at sqrt(k); 100 in all.
        var arrivals = Seconds(ScheduleSpec.Parse("ramp:0..20", 99, 1), 10);

        Assert.Equal(100, arrivals.Length);
        for (var k = 0; k < arrivals.Length; k++)
        {
            Assert.InRange(arrivals[k], Math.Sqrt(k) - 1e-6, Math.Sqrt(k) + 1e-6);
        }
    }

    [Fact]
    public void Ramp_Flat_EqualsConstant()
    {
        Assert.Equal(Seconds(ScheduleSpec.Parse("constant", 5, 1), 3), Seconds(ScheduleSpec.Parse("ramp:5..5", 1, 1), 3));
    }

    [Fact]
    public void Ramp_Falling_HalvesItsCountIntoTheFirstPart()
    {
        // 30 -> 10/s over 4 s: 80 arrivals, 50 of them in the first 2 s (rates 30 -> 20).
        var arrivals = Seconds(ScheduleSpec.Parse("ramp:30..10", 1, 1), 4);

        Assert.Equal(80, arrivals.Length);
        Assert.Equal(50, arrivals.Count(t => t < 2));
    }

    [Fact]
    public void Trace_ReplaysOffsetsSortedWithinDuration()
    {
        var file = Path.Combine(Path.GetTempPath(), $"trace-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(file, ["# offsets in seconds", "0.5,verify", "0", "", "1.25", "9"]);
        try
        {
            Assert.Equal([0, 0.5, 1.25], Seconds(ScheduleSpec.Parse("trace:" + file, 1, 1), 2));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("sawtooth", "unknown schedule")]
    [InlineData("ramp:5", "ramp:A..B")]
    [InlineData("step:5@2s,10@1s", "increasing")]
    [InlineData("step:fast@0s", "RATE@TIME")]
    [InlineData("trace:/nonexistent/trace.csv", "does not exist")]
    public void Parse_BadSpec_SaysWhatIsWrong(string spec, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ScheduleSpec.Parse(spec, 10, 1));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TraceWithBadLine_NamesTheLine()
    {
        var error = Assert.Throws<FormatException>(() => ScheduleSpec.ParseTrace("t.csv", ["0.1", "soon"]));

        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }
}
