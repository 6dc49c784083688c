using System.Net;

namespace Serving.Grpc.Internal;

/// <summary>Maps transport-level outcomes to gRPC status codes (grpc/doc/http-grpc-status-mapping.md, PROTOCOL-HTTP2.md).</summary>
internal static class StatusMapping
{
    /// <summary>The gRPC code for a non-200 HTTP response without grpc-status.</summary>
    public static StatusCode FromHttpStatus(HttpStatusCode httpStatus) => (int)httpStatus switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>The gRPC code for an HTTP/2 RST_STREAM error code received before the status.</summary>
    public static StatusCode FromHttp2ErrorCode(long errorCode) => errorCode switch
    {
        0x8 => StatusCode.Cancelled,          // CANCEL
        0x7 => StatusCode.Unavailable,        // REFUSED_STREAM: the server did not process it
        0xB => StatusCode.ResourceExhausted,  // ENHANCE_YOUR_CALM
        0xC => StatusCode.PermissionDenied,   // INADEQUATE_SECURITY
        _ => StatusCode.Internal,             // NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, ...
    };
}
