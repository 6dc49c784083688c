using Google.Protobuf;
using Serving.Grpc;
using Serving.Protocol.V1;

namespace Serving.Protocol;

/// <summary>Method descriptors of <c>serving.v1.FaceService</c>, shared by the router and its clients.</summary>
public static class FaceMethods
{
    /// <summary>The gRPC service name.</summary>
    public const string ServiceName = "serving.v1.FaceService";

    public static readonly Method<VerifyRequest, VerifyResponse> Verify = Unary(nameof(Verify), VerifyRequest.Parser, VerifyResponse.Parser);
    public static readonly Method<EmbedRequest, EmbedResponse> Embed = Unary(nameof(Embed), EmbedRequest.Parser, EmbedResponse.Parser);
    public static readonly Method<DetectRequest, DetectResponse> Detect = Unary(nameof(Detect), DetectRequest.Parser, DetectResponse.Parser);

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name, MessageParser<TRequest> request, MessageParser<TResponse> response)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(MethodType.Unary, ServiceName, name, request, response);
}

/// <summary>Method descriptors of <c>serving.v1.SegmentationService</c>.</summary>
public static class SegmentationMethods
{
    /// <summary>The gRPC service name.</summary>
    public const string ServiceName = "serving.v1.SegmentationService";

    public static readonly Method<SegmentRequest, SegmentResponse> Segment =
        new(MethodType.Unary, ServiceName, nameof(Segment), SegmentRequest.Parser, SegmentResponse.Parser);
}

/// <summary>Method descriptors of <c>serving.v1.ClusterService</c>.</summary>
public static class ClusterMethods
{
    /// <summary>The gRPC service name.</summary>
    public const string ServiceName = "serving.v1.ClusterService";

    public static readonly Method<GetStatusRequest, ClusterStatus> GetStatus =
        new(MethodType.Unary, ServiceName, nameof(GetStatus), GetStatusRequest.Parser, ClusterStatus.Parser);
}
