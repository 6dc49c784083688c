namespace Serving.Router.Selection;

/// <summary>The chance that an answer arrives after its deadline, from its predicted median and 99th-percentile completion.</summary>
/// <remarks>
/// Workers report p50 and p99 of their service times, so a prediction comes as two points of the
/// completion-time distribution: half the answers after the median prediction, 1% after the p99
/// prediction. Between and beyond them the tail is taken as exponential (the survival function
/// log-linear in time through both points): each further (p99 − p50) × ln 2 / ln 50 of time halves
/// the chance, so a budget of p99 + (p99 − p50) leaves about 0.02%. Before the median the chance
/// is capped at 1. A prediction whose p99 is not above its median carries no spread: the chance is
/// 0 when the p99 fits and 1 otherwise.
/// </remarks>
internal static class MissRisk
{
    private static readonly double Ln50 = Math.Log(50);

    /// <summary>Probability in [0, 1] that the answer comes after <paramref name="budget"/>.</summary>
    /// <param name="median">Predicted completion at p50.</param>
    /// <param name="p99">Predicted completion at p99.</param>
    /// <param name="budget">Time left until the deadline.</param>
    public static double Estimate(TimeSpan median, TimeSpan p99, TimeSpan budget)
    {
        var spread = p99 - median;
        if (spread <= TimeSpan.Zero)
        {
            return budget >= p99 ? 0 : 1;
        }

        // S(t) = 0.5 × (1/50)^((t − median) / spread): 0.5 at the median, 0.01 at the p99.
        var steps = (budget - median) / spread;
        return Math.Min(1, 0.5 * Math.Exp(-Ln50 * steps));
    }
}
