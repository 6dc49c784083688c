namespace Serving.Worker.Tests;

public sealed class ManualTimeProviderTests
{
    [Fact]
    public void Advance_PastDueTime_FiresTimerOnceAtItsDueTime()
    {
        var time = new ManualTimeProvider();
        var start = time.GetUtcNow();
        var firedAt = new List<DateTimeOffset>();
        using var timer = time.CreateTimer(_ => firedAt.Add(time.GetUtcNow()), null, TimeSpan.FromMilliseconds(5), Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromMilliseconds(4));
        Assert.Empty(firedAt);
        time.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Equal([start + TimeSpan.FromMilliseconds(5)], firedAt);
        Assert.Equal(start + TimeSpan.FromMilliseconds(14), time.GetUtcNow());
    }

    [Fact]
    public void Advance_PeriodicTimer_FiresEveryPeriod()
    {
        var time = new ManualTimeProvider();
        var fired = 0;
        using var timer = time.CreateTimer(_ => fired++, null, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));

        time.Advance(TimeSpan.FromMilliseconds(35));

        Assert.Equal(3, fired);
    }
}
