using Microsoft.Extensions.Logging;

namespace Serving.Grpc.Internal;

internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Error, "Handler of {Method} threw an exception; the client gets {StatusCode}.")]
    public static partial void HandlerFailed(ILogger logger, string method, StatusCode statusCode, Exception exception);

    [LoggerMessage(2, LogLevel.Debug, "Deadline of {Method} exceeded; completing the call with DEADLINE_EXCEEDED.")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(3, LogLevel.Debug, "Call to unknown method {Path} answered with UNIMPLEMENTED.")]
    public static partial void UnknownMethod(ILogger logger, string path);

    [LoggerMessage(4, LogLevel.Debug, "Request to {Path} rejected with HTTP {HttpStatus}: {Reason}.")]
    public static partial void RequestRejected(ILogger logger, string path, int httpStatus, string reason);

    [LoggerMessage(5, LogLevel.Debug, "Call {Method} ended with {StatusCode}: {Detail}.")]
    public static partial void CallFailed(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(6, LogLevel.Debug, "Client of {Method} went away before the call completed.")]
    public static partial void ClientGone(ILogger logger, string method);
}
