namespace Serving.Router.Workers;

/// <summary>Delay before reconnect attempt <c>n</c> (0-based).</summary>
/// <remarks>
/// Exponential: min(max, initial × 2^n), scaled by a random factor in [0.8, 1.0] so that routers
/// that lost a worker together do not reconnect in lockstep. Never more than the nominal delay, so
/// a test that advances its clock by the nominal delay always sees the attempt.
/// </remarks>
internal static class ReconnectBackoff
{
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan max, Random random)
    {
        var exponent = Math.Min(Math.Max(attempt, 0), 30);
        var nominal = TimeSpan.FromTicks((long)Math.Min(max.Ticks, initial.Ticks * Math.Pow(2, exponent)));
        return nominal * (0.8 + (0.2 * random.NextDouble()));
    }
}
