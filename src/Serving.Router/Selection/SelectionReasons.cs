namespace Serving.Router.Selection;

/// <summary>The reasons selectors give; bounded so they can label metrics.</summary>
public static class SelectionReasons
{
    /// <summary>The best-quality variant whose predicted completion fits the budget.</summary>
    public const string BestFit = "best_fit";

    /// <summary>A better-quality variant fitted too, but its chance of missing the deadline cost more expected quality than it offered (<see cref="SelectorOptions.WeighMissRisk"/>).</summary>
    public const string LowerRisk = "lower_risk";

    /// <summary>The first choice ran late or was shed; a cheaper variant was sent with what was left of the budget, and answered first.</summary>
    public const string Rescue = "rescue";

    /// <summary>The pinned variant fits the budget.</summary>
    public const string Pinned = "pinned";

    /// <summary>Nothing fitted the budget less the reserve (<see cref="SelectorOptions.Headroom"/>) at calibrated predictions; the fastest option fits the budget itself by the worker's report alone and runs.</summary>
    public const string InReserve = "in_reserve";

    /// <summary>Nothing fitted; the request asked for best effort and got the fastest option.</summary>
    public const string BestEffort = "best_effort";

    /// <summary>The always-best policy.</summary>
    public const string AlwaysBest = "always_best";

    /// <summary>The always-cheapest policy.</summary>
    public const string AlwaysCheapest = "always_cheapest";

    /// <summary>The fixed-variant policy.</summary>
    public const string Fixed = "fixed";

    /// <summary>No variant (or the pinned one) can answer inside the remaining budget.</summary>
    public const string SloUnattainable = "slo_unattainable";

    /// <summary>The deadline passed before selection.</summary>
    public const string DeadlinePassed = "deadline_passed";

    /// <summary>The catalogue has no such task.</summary>
    public const string UnknownTask = "unknown_task";

    /// <summary>The pinned or fixed variant is not in the catalogue for the task.</summary>
    public const string UnknownVariant = "unknown_variant";

    /// <summary>The pinned variant is synthetic and the catalogue does not allow synthetic variants.</summary>
    public const string SyntheticNotAllowed = "synthetic_not_allowed";

    /// <summary>No allowed variant meets the requested minimum quality.</summary>
    public const string BelowMinQuality = "below_min_quality";

    /// <summary>No reachable worker reports any eligible variant ready.</summary>
    public const string NoReadyWorker = "no_ready_worker";
}
