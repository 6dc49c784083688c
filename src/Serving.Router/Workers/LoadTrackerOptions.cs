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

    /// <summary>A worker whose stream is up but silent this long is treated as unreachable (it is stalled).</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(2);
}
