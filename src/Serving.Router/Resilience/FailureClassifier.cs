using System.Net.Http;
using Polly.CircuitBreaker;
using Serving.Grpc;

namespace Serving.Router.Resilience;

/// <summary>Which failures may be retried elsewhere, and which count against a worker's health.</summary>
/// <remarks>
/// Retry only where another worker can help and the request surely did no harm: UNAVAILABLE,
/// connection failures, and an open breaker (the request never left). Never DEADLINE_EXCEEDED (no
/// time left), RESOURCE_EXHAUSTED (load shedding: retrying adds load where it hurts) or
/// INVALID_ARGUMENT (every worker will say the same). A worker's breaker counts UNAVAILABLE,
/// INTERNAL, UNKNOWN, DATA_LOSS and connection failures; shedding, bad input and cancellations
/// (a hedge's loser is cancelled) are not the worker's fault.
/// </remarks>
internal static class FailureClassifier
{
    public static bool IsRetryable(Exception? exception) => exception switch
    {
        RpcException rpc => rpc.StatusCode == StatusCode.Unavailable,
        BrokenCircuitException => true,
        HttpRequestException or IOException => true,
        _ => false,
    };

    public static bool IsWorkerFailure(Exception? exception) => exception switch
    {
        RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DataLoss,
        HttpRequestException or IOException => true,
        _ => false,
    };
}
