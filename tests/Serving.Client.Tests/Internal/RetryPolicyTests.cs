using Serving.Client.Internal;

namespace Serving.Client.Tests.Internal;

public sealed class RetryPolicyTests
{
    [Fact]
    public void Backoff_SeededRandom_IsReproducibleAndBelowExponentialCeiling()
    {
        var a = new RetryPolicy(5, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(300), new Random(42), TimeProvider.System);
        var b = new RetryPolicy(5, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(300), new Random(42), TimeProvider.System);

        for (var attempt = 1; attempt <= 6; attempt++)
        {
            var delay = a.Backoff(attempt);
            Assert.Equal(delay, b.Backoff(attempt));
            var ceiling = Math.Min(50 * Math.Pow(2, attempt - 1), 300);
            Assert.InRange(delay.TotalMilliseconds, 0, ceiling);
        }
    }

    [Fact]
    public void Backoff_Jitter_SpreadsClientsThatFailedTogether()
    {
        var policy = new RetryPolicy(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), new Random(5), TimeProvider.System);

        var delays = Enumerable.Range(0, 50).Select(_ => policy.Backoff(1).TotalMilliseconds).ToList();

        Assert.True(delays.Distinct().Count() > 40);
        Assert.InRange(delays.Average(), 30, 70);
    }
}
