namespace Serving.Router.Resilience;

/// <summary>Bounds on one request's attempts.</summary>
public sealed class DispatchOptions
{
    /// <summary>Attempts per request in all (first + retries + hedges), at least 1.</summary>
    public int MaxAttempts { get; set; } = 3;
}
