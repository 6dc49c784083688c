namespace Serving.Router.Resilience;

/// <summary>Size of the retry budget (defaults as Finagle's: 20% of requests plus 10 per second).</summary>
public sealed class RetryBudgetOptions
{
    /// <summary>Retries (and hedges) allowed per original request over the window.</summary>
    public double Ratio { get; set; } = 0.2;

    /// <summary>Retries per second allowed regardless of traffic.</summary>
    public double MinRetriesPerSecond { get; set; } = 10;

    /// <summary>The sliding window.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);
}
