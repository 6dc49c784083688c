using System.Net.Http;
using Polly.CircuitBreaker;
using Serving.Grpc;
using Serving.Router.Resilience;

namespace Serving.Router.Tests.Resilience;

public sealed class FailureClassifierTests
{
    private static RpcException Rpc(StatusCode code) => new(new Status(code, "x"));

    [Theory]
    [InlineData(StatusCode.Unavailable, true)]
    [InlineData(StatusCode.DeadlineExceeded, false)]
    [InlineData(StatusCode.ResourceExhausted, false)]
    [InlineData(StatusCode.InvalidArgument, false)]
    [InlineData(StatusCode.Internal, false)]
    [InlineData(StatusCode.Cancelled, false)]
    public void IsRetryable_ByStatus(StatusCode code, bool expected)
    {
        Assert.Equal(expected, FailureClassifier.IsRetryable(Rpc(code)));
    }

    [Fact]
    public void IsRetryable_ConnectionFailureOrOpenBreaker_Yes()
    {
        Assert.True(FailureClassifier.IsRetryable(new HttpRequestException("connection refused")));
        Assert.True(FailureClassifier.IsRetryable(new IOException("reset")));
        Assert.True(FailureClassifier.IsRetryable(new BrokenCircuitException()));
        Assert.False(FailureClassifier.IsRetryable(new OperationCanceledException()));
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, true)]
    [InlineData(StatusCode.Internal, true)]
    [InlineData(StatusCode.Unknown, true)]
    [InlineData(StatusCode.ResourceExhausted, false)]
    [InlineData(StatusCode.InvalidArgument, false)]
    [InlineData(StatusCode.DeadlineExceeded, false)]
    public void IsWorkerFailure_ByStatus(StatusCode code, bool expected)
    {
        Assert.Equal(expected, FailureClassifier.IsWorkerFailure(Rpc(code)));
    }
}
