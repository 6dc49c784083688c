using Serving.Protocol;
using Serving.Grpc;
using Serving.Protocol.V1;

namespace Serving.Protocol;

/// <summary>Method descriptors of <c>serving.v1.WorkerControl</c>.</summary>
public static class WorkerControlMethods
{
    public const string ServiceName = "serving.v1.WorkerControl";

    public static readonly Method<WatchLoadRequest, LoadReport> WatchLoad =
        new(MethodType.ServerStreaming, ServiceName, nameof(WatchLoad), WatchLoadRequest.Parser, LoadReport.Parser);
}
