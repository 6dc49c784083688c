using Grpc.Health.V1;
using Serving.Grpc.Health;
using Serving.Grpc.Tests.Infrastructure;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Serving.Grpc.Tests.Health;

public sealed class HealthServiceTests : IAsyncLifetime
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(30);
    private GrpcTestHost _host = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _host = await GrpcTestHost.StartInMemoryAsync();
        _channel = _host.CreateChannel();
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Check_OverallServer_ReturnsServing()
    {
        var response = await _channel.CallInvoker.UnaryAsync(HealthMethods.Check, new HealthCheckRequest());

        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Check_ServiceSetNotServing_ReturnsNotServing()
    {
        _host.Health.SetStatus("inference.GRPCInferenceService", ServingStatus.NotServing);

        var response = await _channel.CallInvoker.UnaryAsync(HealthMethods.Check, new HealthCheckRequest { Service = "inference.GRPCInferenceService" });

        Assert.Equal(ServingStatus.NotServing, response.Status);
    }

    [Fact]
    public async Task Check_UnknownService_ReturnsNotFound()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.CallInvoker.UnaryAsync(HealthMethods.Check, new HealthCheckRequest { Service = "nope" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task Watch_StatusChanges_StreamsEachChange()
    {
        _host.Health.SetStatus("svc", ServingStatus.Serving);
        using var call = _channel.CallInvoker.Watch();

        Assert.Equal(ServingStatus.Serving, await NextAsync(call));
        _host.Health.SetStatus("svc", ServingStatus.NotServing);
        Assert.Equal(ServingStatus.NotServing, await NextAsync(call));
        _host.Health.ClearStatus("svc");
        Assert.Equal(ServingStatus.ServiceUnknown, await NextAsync(call));
        _host.Health.SetStatus("svc", ServingStatus.Serving);
        Assert.Equal(ServingStatus.Serving, await NextAsync(call));
    }

    [Fact]
    public async Task Watch_UnknownService_SendsServiceUnknownThenUpdates()
    {
        using var call = _channel.CallInvoker.ServerStreaming(HealthMethods.Watch, new HealthCheckRequest { Service = "later" });

        Assert.Equal(ServingStatus.ServiceUnknown, await NextAsync(call));
        _host.Health.SetStatus("later", ServingStatus.Serving);
        Assert.Equal(ServingStatus.Serving, await NextAsync(call));
    }

    private static async Task<ServingStatus> NextAsync(AsyncServerStreamingCall<HealthCheckResponse> call)
    {
        Assert.True(await call.ResponseStream.MoveNext().WaitAsync(SafetyTimeout));
        return call.ResponseStream.Current.Status;
    }
}

internal static class HealthClientExtensions
{
    public static AsyncServerStreamingCall<HealthCheckResponse> Watch(this CallInvoker invoker) =>
        invoker.ServerStreaming(HealthMethods.Watch, new HealthCheckRequest { Service = "svc" });
}
