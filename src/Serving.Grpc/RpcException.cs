namespace Serving.Grpc;

/// <summary>
/// A call that ended with a non-OK status. Thrown by the client for failed calls; thrown by server
/// handlers to end a call with a chosen status and trailers (its message is sent, never a stack trace).
/// </summary>
public sealed class RpcException : Exception
{
    /// <summary>Creates an exception carrying <paramref name="status"/> and no trailers.</summary>
    public RpcException(Status status)
        : this(status, Metadata.Empty)
    {
    }

    /// <summary>Creates an exception carrying <paramref name="status"/> and <paramref name="trailers"/>.</summary>
    public RpcException(Status status, Metadata trailers)
        : this(status, trailers, null)
    {
    }

    /// <summary>Creates an exception carrying <paramref name="status"/>, <paramref name="trailers"/> and the cause.</summary>
    public RpcException(Status status, Metadata trailers, Exception? innerException)
        : base(status.ToString(), innerException)
    {
        Status = status;
        Trailers = trailers;
    }

    /// <summary>The status of the call.</summary>
    public Status Status { get; }

    /// <summary>Shortcut for <c>Status.StatusCode</c>.</summary>
    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>The trailers of the call (empty when the call never reached the server).</summary>
    public Metadata Trailers { get; }
}
