using Microsoft.AspNetCore.Http;
using Serving.Grpc.Internal;

namespace Serving.Grpc;

/// <summary>Helpers for ASP.NET Core middleware in front of gRPC endpoints (authentication, admission).</summary>
public static class GrpcHttpResponses
{
    /// <summary>Whether <paramref name="request"/> is a gRPC call (content type <c>application/grpc[+proto]</c>).</summary>
    public static bool IsGrpcRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return GrpcProtocol.IsAnyGrpcContentType(request.ContentType);
    }

    /// <summary>
    /// Ends the call with <paramref name="status"/> as a trailers-only response (HTTP 200, the status
    /// in the headers), as a handler's early error would; the request body is not read.
    /// </summary>
    public static Task WriteStatusAsync(HttpContext context, Status status)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = GrpcProtocol.StatusValue(status.StatusCode);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(status.Detail);
        }

        return Task.CompletedTask;
    }
}
