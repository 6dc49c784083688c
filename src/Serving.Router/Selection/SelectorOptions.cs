namespace Serving.Router.Selection;

/// <summary>Tuning of the SLO-aware selector and the worker picker.</summary>
public sealed class SelectorOptions
{
    /// <summary>Router-to-worker-and-back network time added to every prediction.</summary>
    public TimeSpan NetworkAllowance { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// Share of the remaining budget the SLO-aware selector keeps in reserve, in [0, 0.9): a variant
    /// fits when its predicted completion is within (1 − headroom) × remaining. Predictions come from
    /// percentiles measured under past contention; the reserve absorbs what they miss (a batch slowed
    /// by another model's batch on the same cores, a report that is already stale) at the price of
    /// choosing a cheaper variant a little earlier.
    /// </summary>
    public double Headroom { get; set; } = 0.1;

    /// <summary>
    /// Whether the SLO-aware selector weighs each fitting variant's quality by its chance of
    /// answering in time (<see cref="MissRisk"/>) and takes a lower-quality variant when that expected
    /// quality is higher. Off: the best-quality variant that fits at the class's percentile, always.
    /// </summary>
    public bool WeighMissRisk { get; set; } = true;

    /// <summary>The part of <paramref name="remaining"/> a prediction must fit in: all of it less the <see cref="Headroom"/> reserve.</summary>
    public TimeSpan Usable(TimeSpan remaining) => remaining * (1 - Headroom);

    /// <summary>Above this many candidate workers, pick the better of two random ones instead of the best of all.</summary>
    public int PowerOfTwoThreshold { get; set; } = 3;
}
