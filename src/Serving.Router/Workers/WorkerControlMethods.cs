using Serving.Grpc;
using Serving.Protocol.V1;

namespace Serving.Router.Workers;

/// <summary>Client-side descriptors of the worker control plane (protos/serving/v1/worker_control.proto).</summary>
internal static class WorkerControlMethods
{
    public const string ServiceName = "serving.v1.WorkerControl";

    public static readonly Method<WatchLoadRequest, LoadReport> WatchLoad =
        new(MethodType.ServerStreaming, ServiceName, "WatchLoad", WatchLoadRequest.Parser, LoadReport.Parser);
}
