namespace Serving.Worker;

/// <summary>The worker's settings (command line or configuration).</summary>
public sealed class WorkerOptions
{
    /// <summary>The model repository directory.</summary>
    public string RepositoryPath { get; set; } = "";

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>cuda:&lt;id&gt;</c>.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Intra-op threads per session; 0 lets ONNX Runtime choose.</summary>
    public int Threads { get; set; }

    /// <summary>How long a graceful stop may take to finish queued and in-flight requests.</summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often load reports are pushed (at the latest; significant changes are pushed sooner).</summary>
    public TimeSpan LoadReportInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Least time between two load reports on one stream (at most the interval). Without it every
    /// request's start and end is a change worth pushing: about two reports per request under load,
    /// each a message to serialize, send, parse and apply, so the reporting cost grew with the request
    /// rate. With it a stream carries at most one report per gap, holding every change of the gap.
    /// Routers count the requests they sent since a report themselves, so they lose nothing of their own.
    /// </summary>
    public TimeSpan LoadReportMinGap { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The id load reports carry.</summary>
    public string WorkerId { get; set; } = Environment.MachineName + ":" + Environment.ProcessId;

    /// <summary>
    /// Warm-up runs per batch size when a model loads (random inputs; their times seed the
    /// service-time profile the router predicts with); 0 = none.
    /// </summary>
    public int WarmupRuns { get; set; }

    /// <summary>Load every model at start-up (off: models load only through RepositoryModelLoad).</summary>
    public bool LoadAllAtStartup { get; set; } = true;
}
