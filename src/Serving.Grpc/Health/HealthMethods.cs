using Grpc.Health.V1;

namespace Serving.Grpc.Health;

/// <summary>Method descriptors of <c>grpc.health.v1.Health</c>, for servers and clients.</summary>
public static class HealthMethods
{
    /// <summary>The service's full name.</summary>
    public const string ServiceName = "grpc.health.v1.Health";

    /// <summary><c>Check</c>: the current status, NOT_FOUND for unknown services.</summary>
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> Check =
        new(MethodType.Unary, ServiceName, "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    /// <summary><c>Watch</c>: the current status, then every change, until cancelled.</summary>
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> Watch =
        new(MethodType.ServerStreaming, ServiceName, "Watch", HealthCheckRequest.Parser, HealthCheckResponse.Parser);
}
