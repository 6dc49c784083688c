using Google.Protobuf;
using Serving.Grpc;
using Serving.Protocol.Inference;
using Serving.Protocol.V1;

namespace Serving.Client.Internal;

/// <summary>
/// Method descriptors of the router's services as the client calls them. Internal: the servers
/// define their own; these only have to agree on service and method names, which are the protos'.
/// </summary>
internal static class ServiceMethods
{
    public const string FaceService = "serving.v1.FaceService";
    public const string SegmentationService = "serving.v1.SegmentationService";
    public const string ClusterService = "serving.v1.ClusterService";
    public const string InferenceService = "inference.GRPCInferenceService";

    public static readonly Method<VerifyRequest, VerifyResponse> Verify = Unary(FaceService, "Verify", VerifyRequest.Parser, VerifyResponse.Parser);
    public static readonly Method<EmbedRequest, EmbedResponse> Embed = Unary(FaceService, "Embed", EmbedRequest.Parser, EmbedResponse.Parser);
    public static readonly Method<DetectRequest, DetectResponse> Detect = Unary(FaceService, "Detect", DetectRequest.Parser, DetectResponse.Parser);
    public static readonly Method<SegmentRequest, SegmentResponse> Segment = Unary(SegmentationService, "Segment", SegmentRequest.Parser, SegmentResponse.Parser);
    public static readonly Method<GetStatusRequest, ClusterStatus> GetStatus = Unary(ClusterService, "GetStatus", GetStatusRequest.Parser, ClusterStatus.Parser);
    public static readonly Method<ModelInferRequest, ModelInferResponse> ModelInfer = Unary(InferenceService, "ModelInfer", ModelInferRequest.Parser, ModelInferResponse.Parser);
    public static readonly Method<ModelMetadataRequest, ModelMetadataResponse> ModelMetadata = Unary(InferenceService, "ModelMetadata", ModelMetadataRequest.Parser, ModelMetadataResponse.Parser);

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string service, string name, MessageParser<TRequest> request, MessageParser<TResponse> response)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(MethodType.Unary, service, name, request, response);
}
