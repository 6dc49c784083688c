using Serving.Protocol;
using Serving.Grpc;
using Serving.Protocol.Inference;

namespace Serving.Protocol;

/// <summary>Method descriptors of <c>inference.GRPCInferenceService</c>, shared by server and clients (the router).</summary>
public static class InferenceMethods
{
    /// <summary>The service name of the KServe v2 protocol.</summary>
    public const string ServiceName = "inference.GRPCInferenceService";

    public static readonly Method<ServerLiveRequest, ServerLiveResponse> ServerLive = Unary(nameof(ServerLive), ServerLiveRequest.Parser, ServerLiveResponse.Parser);
    public static readonly Method<ServerReadyRequest, ServerReadyResponse> ServerReady = Unary(nameof(ServerReady), ServerReadyRequest.Parser, ServerReadyResponse.Parser);
    public static readonly Method<ModelReadyRequest, ModelReadyResponse> ModelReady = Unary(nameof(ModelReady), ModelReadyRequest.Parser, ModelReadyResponse.Parser);
    public static readonly Method<ServerMetadataRequest, ServerMetadataResponse> ServerMetadata = Unary(nameof(ServerMetadata), ServerMetadataRequest.Parser, ServerMetadataResponse.Parser);
    public static readonly Method<ModelMetadataRequest, ModelMetadataResponse> ModelMetadata = Unary(nameof(ModelMetadata), ModelMetadataRequest.Parser, ModelMetadataResponse.Parser);
    public static readonly Method<ModelInferRequest, ModelInferResponse> ModelInfer = Unary(nameof(ModelInfer), ModelInferRequest.Parser, ModelInferResponse.Parser);

    public static readonly Method<ModelInferRequest, ModelStreamInferResponse> ModelStreamInfer =
        new(MethodType.DuplexStreaming, ServiceName, nameof(ModelStreamInfer), ModelInferRequest.Parser, ModelStreamInferResponse.Parser);

    public static readonly Method<ModelConfigRequest, ModelConfigResponse> ModelConfig = Unary(nameof(ModelConfig), ModelConfigRequest.Parser, ModelConfigResponse.Parser);
    public static readonly Method<ModelStatisticsRequest, ModelStatisticsResponse> ModelStatistics = Unary(nameof(ModelStatistics), ModelStatisticsRequest.Parser, ModelStatisticsResponse.Parser);
    public static readonly Method<RepositoryIndexRequest, RepositoryIndexResponse> RepositoryIndex = Unary(nameof(RepositoryIndex), RepositoryIndexRequest.Parser, RepositoryIndexResponse.Parser);
    public static readonly Method<RepositoryModelLoadRequest, RepositoryModelLoadResponse> RepositoryModelLoad = Unary(nameof(RepositoryModelLoad), RepositoryModelLoadRequest.Parser, RepositoryModelLoadResponse.Parser);
    public static readonly Method<RepositoryModelUnloadRequest, RepositoryModelUnloadResponse> RepositoryModelUnload = Unary(nameof(RepositoryModelUnload), RepositoryModelUnloadRequest.Parser, RepositoryModelUnloadResponse.Parser);

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name, Google.Protobuf.MessageParser<TRequest> request, Google.Protobuf.MessageParser<TResponse> response)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse> =>
        new(MethodType.Unary, ServiceName, name, request, response);
}
