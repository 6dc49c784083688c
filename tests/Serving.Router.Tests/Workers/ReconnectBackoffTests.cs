using Serving.Router.Workers;

namespace Serving.Router.Tests.Workers;

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Delay_DoublesPerAttemptUpToTheCap_WithJitterBelowNominal()
    {
        var random = new Random(5);
        var initial = TimeSpan.FromMilliseconds(100);
        var max = TimeSpan.FromSeconds(1);

        for (var attempt = 0; attempt < 40; attempt++)
        {
            var nominal = Math.Min(1000, 100 * Math.Pow(2, Math.Min(attempt, 30)));
            var delay = ReconnectBackoff.Delay(attempt, initial, max, random).TotalMilliseconds;

            Assert.InRange(delay, nominal * 0.8 - 0.001, nominal + 0.001);
        }
    }
}
