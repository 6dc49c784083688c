using Serving.Router.Selection;

namespace Serving.Router.Workers;

/// <summary>How the router follows its workers' load streams.</summary>
public sealed class LoadTrackerOptions
{
    /// <summary>Name this router gives in its subscriptions (shows in worker logs).</summary>
    public string Subscriber { get; set; } = "router";

    /// <summary>Report interval to ask for; zero = the worker's default.</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.Zero;

    /// <summary>First reconnect delay after a stream breaks.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Largest reconnect delay (the delay doubles per failed attempt up to this; short, so a returning worker is used within about a second).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A request this router sent less than this long before a report arrived still counts as not
    /// covered by it: it may have been on the wire, or not yet queued, when the worker took the
    /// snapshot. Counting it twice for a moment is cheaper than missing it (a request planned behind
    /// a queue one shorter than the real one can miss its deadline).
    /// </summary>
    public TimeSpan SentCoverageDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>A worker whose stream is up but silent this long is treated as unreachable (it is stalled).</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Correction of predictions by what this router's calls took (see <see cref="CalibrationOptions"/>).</summary>
    public CalibrationOptions Calibration { get; set; } = new();
}
