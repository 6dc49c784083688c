namespace Serving.Client;

/// <summary>Per-call choices: the latency budget, what the router may select, and cancellation.</summary>
/// <remarks>
/// <see cref="Deadline"/> is sent as the gRPC deadline (<c>grpc-timeout</c>) and is the request's
/// budget; <see cref="SloClass"/> names a class of the router's configuration whose budget applies
/// when no deadline is given (with a deadline the class only names the percentile to plan for).
/// Retries on UNAVAILABLE all fit inside the one deadline.
/// </remarks>
public sealed record ServingCallOptions
{
    /// <summary>Budget of the whole call (all attempts), from when the call starts; null = none (or the client's default).</summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary>Named SLO class, e.g. <c>interactive</c>; null = the router's default.</summary>
    public string? SloClass { get; init; }

    /// <summary>Lowest acceptable variant quality (the catalogue's number, e.g. AUC or mIoU); 0 = any.</summary>
    public double MinQuality { get; init; }

    /// <summary>Serve with exactly this variant (or be rejected when it cannot meet the budget).</summary>
    public string? PinnedVariant { get; init; }

    /// <summary>When no variant fits the budget, serve with the fastest instead of RESOURCE_EXHAUSTED.</summary>
    public bool BestEffort { get; init; }

    /// <summary>Cancels the call (it then fails with CANCELLED).</summary>
    public CancellationToken CancellationToken { get; init; }
}
