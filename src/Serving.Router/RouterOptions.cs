using Serving.Models.Imaging;
using Serving.Router.Discovery;
using Serving.Router.Security;
using Serving.Router.Resilience;
using Serving.Router.Selection;
using Serving.Router.Workers;

namespace Serving.Router;

/// <summary>Everything the router's back end (selection, discovery, load tracking, resilience) is configured with.</summary>
public sealed class RouterOptions
{
    /// <summary>The prefix of a <see cref="Workers"/> entry resolved through DNS.</summary>
    public const string DnsPrefix = "dns:";

    /// <summary>
    /// Worker addresses: <c>host:port</c> or <c>http(s)://host:port</c> (static), or
    /// <c>dns:host:port</c> for a name re-resolved periodically to all its addresses (a Kubernetes
    /// headless Service; one per worker pool). Use this or <see cref="Dns"/>.
    /// </summary>
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

    /// <summary>How long a request without a gRPC deadline may take before the router gives up (its SLO class budget only decides selection and attainment).</summary>
    public TimeSpan MaxRequestDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether synthetic variants may answer requests (the catalogue's <c>allowSynthetic</c>).</summary>
    public bool AllowSynthetic { get; set; }

    /// <summary>Model repository whose <c>config.json</c> files make the catalogue (when <see cref="Variants"/> is empty).</summary>
    public string? RepositoryPath { get; set; }

    /// <summary>The catalogue given directly (configuration file, tests); wins over <see cref="RepositoryPath"/>.</summary>
    public List<VariantInfo> Variants { get; set; } = [];

    /// <summary>API keys callers must present; none = authentication off.</summary>
    public ApiKeys ApiKeys { get; set; } = ApiKeys.None;

    /// <summary>Concurrent requests one client (API key, else address) may have in flight; 0 = no limit.</summary>
    public int MaxConcurrentPerClient { get; set; } = 64;

    /// <summary>Largest request message accepted, bytes (RESOURCE_EXHAUSTED beyond).</summary>
    public int MaxRequestBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Limits on images in task requests (INVALID_ARGUMENT beyond).</summary>
    public ImageLimits ImageLimits { get; set; } = new(16 * 1024 * 1024, 40_000_000, 16_384);

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
                WorkerEndpoint.Parse(worker.StartsWith(DnsPrefix, StringComparison.Ordinal) ? worker[DnsPrefix.Length..] : worker);
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
        Require(Selection.Headroom is >= 0 and < 0.9, "Selection.Headroom (headroom) must lie in [0, 0.9).");
        var calibration = LoadTracking.Calibration;
        Require(calibration.Samples >= 0 && calibration.MinSamples >= 1 && calibration.MaxAge > TimeSpan.Zero && calibration.MaxFactor >= 1 && calibration.MinPrediction >= TimeSpan.Zero,
            "LoadTracking.Calibration: Samples and MinPrediction must not be negative, MinSamples must be at least 1, MaxAge positive and MaxFactor at least 1.");
        Require(!calibration.Enabled || calibration.Quantile is > 0 and <= 1, "LoadTracking.Calibration.Quantile (calibrationQuantile) must lie in (0, 1], or be 0 to turn calibration off.");
        Require(LoadTracking.StaleAfter > TimeSpan.Zero, "LoadTracking.StaleAfter must be positive.");
        Require(LoadTracking.InitialBackoff > TimeSpan.Zero && LoadTracking.MaxBackoff >= LoadTracking.InitialBackoff, "LoadTracking backoffs must be positive with MaxBackoff >= InitialBackoff.");
        Require(RetryBudget.Ratio >= 0 && RetryBudget.MinRetriesPerSecond >= 0 && RetryBudget.Window > TimeSpan.Zero, "RetryBudget: Ratio and MinRetriesPerSecond must not be negative; Window must be positive.");
        Require(Breaker.FailureRatio is > 0 and <= 1, "Breaker.FailureRatio must lie in (0, 1].");
        Require(Breaker.MinimumThroughput >= 2, "Breaker.MinimumThroughput must be at least 2.");
        Require(Breaker.SamplingDuration >= TimeSpan.FromMilliseconds(500) && Breaker.BreakDuration >= TimeSpan.FromMilliseconds(500), "Breaker.SamplingDuration and BreakDuration must be at least 0.5 s.");
        Require(Dispatch.MaxAttempts >= 1, "Dispatch.MaxAttempts must be at least 1.");
        Require(Dispatch.RescueWindowFactor >= 1 && !double.IsInfinity(Dispatch.RescueWindowFactor), "Dispatch.RescueWindowFactor must be a finite number of at least 1.");
        Require(MaxRequestDuration > TimeSpan.Zero, "MaxRequestDuration must be positive.");
        Require(MaxConcurrentPerClient >= 0, "MaxConcurrentPerClient must not be negative.");
        Require(MaxRequestBytes >= 1024, "MaxRequestBytes must be at least 1 KiB.");
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
