namespace Serving.Grpc;

/// <summary>Per-call options of the client.</summary>
/// <param name="Headers">Request metadata (reserved transport/gRPC headers are not sent).</param>
/// <param name="Deadline">When the call must be over, in UTC (an unspecified kind is read as UTC). Sent as <c>grpc-timeout</c> and enforced locally.</param>
/// <param name="CancellationToken">Cancels the call (the HTTP/2 stream is reset); the call then fails with CANCELLED.</param>
public readonly record struct CallOptions(Metadata? Headers = null, DateTime? Deadline = null, CancellationToken CancellationToken = default)
{
    /// <summary>Options with a deadline <paramref name="timeout"/> from now on the system clock.</summary>
    public static CallOptions WithTimeout(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        new(Deadline: DateTime.UtcNow + timeout, CancellationToken: cancellationToken);
}
