namespace Serving.OnnxRuntime;

/// <summary>Receives ORT's log messages: severity, category (e.g. "onnxruntime") and the message with its log id.</summary>
public delegate void OrtLogger(OrtLogLevel level, string category, string message);

/// <summary>Options of the process-wide <see cref="OrtEnvironment"/>.</summary>
public sealed class OrtEnvironmentOptions
{
    /// <summary>Explicit library path; null to use <c>SERVING_ORT_LIB</c> or the set-up cache (see <see cref="OrtLibraryLocator"/>).</summary>
    public string? LibraryPath { get; set; }

    /// <summary>Least severe ORT message passed to <see cref="Logger"/>. Default: warning.</summary>
    public OrtLogLevel LogLevel { get; set; } = OrtLogLevel.Warning;

    /// <summary>
    /// Where ORT's log messages go; null writes them to standard error. Called on ORT's threads, possibly
    /// concurrently: it must be thread-safe and quick. Exceptions it throws are swallowed (they must not
    /// unwind into native code).
    /// </summary>
    public OrtLogger? Logger { get; set; }

    /// <summary>Log identifier ORT puts in its messages.</summary>
    public string LogId { get; set; } = "serving";

    /// <summary>
    /// Shared thread pools for all sessions; null (default) gives each session its own pools sized by its
    /// <see cref="SessionOptions"/>. With global pools, sessions ignore their own thread counts.
    /// </summary>
    public GlobalThreadPoolOptions? GlobalThreadPools { get; set; }
}

/// <summary>Sizes of the environment's shared thread pools.</summary>
public sealed class GlobalThreadPoolOptions
{
    /// <summary>Intra-op threads (within one operator); 0 = ORT's default (one per physical core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Inter-op threads (parallel operators in parallel execution mode); 0 = ORT's default.</summary>
    public int InterOpThreads { get; set; }

    /// <summary>Whether idle pool threads spin before sleeping: lower latency, more CPU. Default true (ORT's default).</summary>
    public bool AllowSpinning { get; set; } = true;
}
