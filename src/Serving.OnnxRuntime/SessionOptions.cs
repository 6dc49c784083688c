namespace Serving.OnnxRuntime;

/// <summary>ORT's graph optimisation levels.</summary>
public enum GraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}

/// <summary>Order in which a session runs independent operators.</summary>
public enum ExecutionMode
{
    /// <summary>One operator at a time (ORT's default; intra-op threads still parallelise each operator).</summary>
    Sequential = 0,

    /// <summary>Independent operators concurrently on the inter-op pool.</summary>
    Parallel = 1,
}

/// <summary>Where a session computes.</summary>
public enum ExecutionProvider
{
    /// <summary>ORT's CPU provider; always available.</summary>
    Cpu,

    /// <summary>
    /// NVIDIA CUDA (device <see cref="SessionOptions.CudaDeviceId"/>), with CPU as fallback for operators
    /// CUDA lacks. Needs <c>libonnxruntime_providers_cuda.so</c> from an ONNX Runtime GPU build.
    /// </summary>
    Cuda,
}

/// <summary>Options of one <see cref="InferenceSession"/>; a plain options class, read once at creation.</summary>
public sealed class SessionOptions
{
    /// <summary>Threads within one operator; 0 = ORT's default (one per physical core). Ignored with global thread pools.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Threads running operators in parallel (only with <see cref="ExecutionMode.Parallel"/>); 0 = ORT's default.</summary>
    public int InterOpThreads { get; set; }

    public ExecutionMode ExecutionMode { get; set; } = ExecutionMode.Sequential;

    public GraphOptimizationLevel GraphOptimizationLevel { get; set; } = GraphOptimizationLevel.All;

    /// <summary>ORT's CPU memory arena: faster repeated runs, memory kept for reuse. Default on.</summary>
    public bool EnableMemoryArena { get; set; } = true;

    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;

    /// <summary>CUDA device ordinal for <see cref="ExecutionProvider.Cuda"/>.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>Severity floor for this session's messages; null uses the environment's level.</summary>
    public OrtLogLevel? LogLevel { get; set; }

    /// <summary>Log id of this session's messages (e.g. the model name); null for ORT's default.</summary>
    public string? LogId { get; set; }

    /// <summary>
    /// Extra session configuration entries (<c>AddSessionConfigEntry</c>), e.g.
    /// <c>session.intra_op.allow_spinning = 0</c>. Keys and values as ORT documents them.
    /// </summary>
    public IDictionary<string, string> ConfigEntries { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
