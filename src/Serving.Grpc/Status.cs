namespace Serving.Grpc;

/// <summary>The outcome of a call: a code and a human-readable detail (sent percent-encoded as grpc-message).</summary>
public readonly record struct Status(StatusCode StatusCode, string Detail)
{
    /// <summary>The status of a successful call.</summary>
    public static readonly Status DefaultSuccess = new(StatusCode.OK, string.Empty);

    /// <summary>The status of a call cancelled by its caller.</summary>
    public static readonly Status DefaultCancelled = new(StatusCode.Cancelled, string.Empty);

    /// <summary>Creates a status with an empty detail.</summary>
    public Status(StatusCode statusCode)
        : this(statusCode, string.Empty)
    {
    }

    /// <inheritdoc />
    public override string ToString() => $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")";
}
