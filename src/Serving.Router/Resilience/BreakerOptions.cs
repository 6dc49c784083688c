namespace Serving.Router.Resilience;

/// <summary>Per-worker circuit breaker settings (Polly's failure-ratio breaker).</summary>
public sealed class BreakerOptions
{
    /// <summary>Failure ratio over the sampling window that opens the breaker.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Calls needed in the window before the ratio is judged (at least 2).</summary>
    public int MinimumThroughput { get; set; } = 5;

    /// <summary>Sampling window (at least 0.5 s).</summary>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an open breaker keeps the worker out of selection before one probe is let through (at least 0.5 s).</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(2);
}
