using Serving.Grpc.Tests.Echo;

namespace Serving.Grpc.Tests.Infrastructure;

internal static class EchoMethods
{
    public const string ServiceName = "serving.test.EchoService";

    public static readonly Method<EchoRequest, EchoResponse> Unary = new(MethodType.Unary, ServiceName, "Unary", EchoRequest.Parser, EchoResponse.Parser);

    public static readonly Method<EchoRequest, EchoResponse> ServerStream = new(MethodType.ServerStreaming, ServiceName, "ServerStream", EchoRequest.Parser, EchoResponse.Parser);

    public static readonly Method<EchoRequest, EchoResponse> ClientStream = new(MethodType.ClientStreaming, ServiceName, "ClientStream", EchoRequest.Parser, EchoResponse.Parser);

    public static readonly Method<EchoRequest, EchoResponse> Duplex = new(MethodType.DuplexStreaming, ServiceName, "Duplex", EchoRequest.Parser, EchoResponse.Parser);
}
