using Serving.Router.Discovery;
using Serving.Router.Resilience;
using Serving.Router.Selection;
using Serving.Router.Workers;

namespace Serving.Router;

/// <summary>Everything the router's back end (selection, discovery, load tracking, resilience) is configured with.</summary>
public sealed class RouterOptions
{
    /// <summary>Static worker addresses (<c>host:port</c> or <c>http(s)://host:port</c>). Use this or <see cref="Dns"/>.</summary>
    public List<string> Workers { get; set; } = [];

    /// <summary>DNS discovery (e.g. a Kubernetes headless Service). Use this or <see cref="Workers"/>.</summary>
    public DnsDiscoveryOptions? Dns { get; set; }

    /// <summary>Selection policy: <c>slo-aware</c>, <c>always-best</c>, <c>always-cheapest</c> or <c>fixed:&lt;variant&gt;</c>.</summary>
    public string Selector { get; set; } = "slo-aware";

    public SloClassOptions SloClasses { get; set; } = SloClassOptions.CreateDefault();

    public SelectorOptions Selection { get; set; } = new();

    public LoadTrackerOptions LoadTracking { get; set; } = new();

    public RetryBudgetOptions RetryBudget { get; set; } = new();

    public BreakerOptions Breaker { get; set; } = new();

    public DispatchOptions Dispatch { get; set; } = new();

    /// <summary>Every problem with these options (empty when valid), rather than the first.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if ((Workers.Count > 0) == (Dns is not null))
        {
            errors.Add("Configure exactly one worker source: Workers (a static list) or Dns.");
        }

        foreach (var worker in Workers)
        {
            try
            {
                WorkerEndpoint.Parse(worker);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                errors.Add(ex.Message);
            }
        }

        if (Dns is not null)
        {
            Require(!string.IsNullOrWhiteSpace(Dns.Host), "Dns.Host is required.");
            Require(Dns.Port is > 0 and <= 65535, $"Dns.Port must be a TCP port (got {Dns.Port}).");
            Require(Dns.RefreshInterval > TimeSpan.Zero, "Dns.RefreshInterval must be positive.");
        }

        SloClassCatalog.TryCreate(SloClasses, out var sloErrors);
        errors.AddRange(sloErrors);
        try
        {
            VariantSelectors.Create(Selector, Selection);
        }
        catch (ArgumentException ex)
        {
            errors.Add(ex.Message);
        }

        Require(Selection.NetworkAllowance >= TimeSpan.Zero, "Selection.NetworkAllowance must not be negative.");
        Require(LoadTracking.StaleAfter > TimeSpan.Zero, "LoadTracking.StaleAfter must be positive.");
        Require(LoadTracking.InitialBackoff > TimeSpan.Zero && LoadTracking.MaxBackoff >= LoadTracking.InitialBackoff, "LoadTracking backoffs must be positive with MaxBackoff >= InitialBackoff.");
        Require(RetryBudget.Ratio >= 0 && RetryBudget.MinRetriesPerSecond >= 0 && RetryBudget.Window > TimeSpan.Zero, "RetryBudget: Ratio and MinRetriesPerSecond must not be negative; Window must be positive.");
        Require(Breaker.FailureRatio is > 0 and <= 1, "Breaker.FailureRatio must lie in (0, 1].");
        Require(Breaker.MinimumThroughput >= 2, "Breaker.MinimumThroughput must be at least 2.");
        Require(Breaker.SamplingDuration >= TimeSpan.FromMilliseconds(500) && Breaker.BreakDuration >= TimeSpan.FromMilliseconds(500), "Breaker.SamplingDuration and BreakDuration must be at least 0.5 s.");
        Require(Dispatch.MaxAttempts >= 1, "Dispatch.MaxAttempts must be at least 1.");
        return errors;

        void Require(bool condition, string error)
        {
            if (!condition)
            {
                errors.Add(error);
            }
        }
    }
}
