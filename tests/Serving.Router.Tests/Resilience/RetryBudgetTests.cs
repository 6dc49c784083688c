using Serving.Router.Resilience;
using Serving.Router.Tests.Infrastructure;

namespace Serving.Router.Tests.Resilience;

public sealed class RetryBudgetTests
{
    private readonly ManualTimeProvider _time = new();

    private RetryBudget Create(double ratio = 0.1, double floorPerSecond = 0.5) =>
        new(new RetryBudgetOptions { Ratio = ratio, MinRetriesPerSecond = floorPerSecond, Window = TimeSpan.FromSeconds(10) }, _time);

    private static int Drain(RetryBudget budget)
    {
        var granted = 0;
        while (granted < 10_000 && budget.TryWithdraw())
        {
            granted++;
        }

        return granted;
    }

    [Fact]
    public void TryWithdraw_NoTraffic_OnlyTheFloor()
    {
        Assert.Equal(5, Drain(Create()));
    }

    [Fact]
    public void TryWithdraw_HundredRequests_TenPercentPlusTheFloor()
    {
        var budget = Create();
        for (var i = 0; i < 100; i++)
        {
            budget.RecordRequest();
        }

        Assert.Equal(15, Drain(budget));
    }

    [Fact]
    public void TryWithdraw_WindowSlides_OldRequestsAndRetriesExpire()
    {
        var budget = Create(floorPerSecond: 0);
        for (var i = 0; i < 100; i++)
        {
            budget.RecordRequest();
        }

        Assert.Equal(10, Drain(budget));

        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(0, Drain(budget));
        for (var i = 0; i < 50; i++)
        {
            budget.RecordRequest();
        }

        Assert.Equal(5, Drain(budget));
    }

    [Fact]
    public void TryWithdraw_ZeroBudget_NeverRetries()
    {
        var budget = Create(ratio: 0, floorPerSecond: 0);
        budget.RecordRequest();

        Assert.False(budget.TryWithdraw());
    }
}
