namespace Serving.Router.Resilience;

/// <summary>Bounds on one request's attempts.</summary>
public sealed class DispatchOptions
{
    /// <summary>Attempts per request in all (first + retries + hedges), at least 1.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Whether a task request whose variant the SLO-aware selector chose is rescued with a cheaper
    /// variant when the first choice has not answered close to the deadline, or a worker shed it,
    /// while a cheaper one still fits what is left (reason <c>rescue</c>).
    /// </summary>
    public bool Rescue { get; set; } = true;

    /// <summary>
    /// How early a rescue starts, as a multiple of the cheaper variant's predicted completion plus
    /// the task's pipeline overhead, counted back from the deadline; at least 1.
    /// </summary>
    public double RescueWindowFactor { get; set; } = 2;
}
