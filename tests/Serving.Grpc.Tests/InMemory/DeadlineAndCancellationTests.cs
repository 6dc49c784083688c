using Serving.Grpc.Tests.Echo;
using Serving.Grpc.Tests.Infrastructure;

namespace Serving.Grpc.Tests.InMemory;

/// <summary>Deadlines and cancellation, driven by manual clocks and sync points (no sleeps).</summary>
public sealed class DeadlineAndCancellationTests : IAsyncLifetime
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(30);
    private GrpcTestHost _host = null!;

    public async Task InitializeAsync() => _host = await GrpcTestHost.StartInMemoryAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Unary_DeadlineExceeded_ReturnsDeadlineExceeded()
    {
        // Client and server share one manual clock: advancing it fires both deadlines.
        using var channel = _host.CreateChannel(o => o.TimeProvider = _host.ServerTime!);
        var deadline = _host.ServerTime!.GetUtcNow().UtcDateTime.AddSeconds(1);
        using var call = channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { SleepUntilCancelled = true }, new CallOptions(Deadline: deadline));
        await _host.Echo.Waiting.Task.WaitAsync(SafetyTimeout);

        _host.ServerTime.Advance(TimeSpan.FromSeconds(2));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(SafetyTimeout));
        Assert.True(ex.StatusCode == StatusCode.DeadlineExceeded, ex.ToString());
        await _host.Echo.CancellationObserved.Task.WaitAsync(SafetyTimeout);
    }

    [Fact]
    public async Task Server_DeadlineExceeded_ClientClockStopped_ServerEndsCallWithDeadlineExceeded()
    {
        // The client's clock never moves, so only the server's deadline can end the call.
        using var channel = _host.CreateChannel(o => o.TimeProvider = new ManualTimeProvider());
        var deadline = new ManualTimeProvider().GetUtcNow().UtcDateTime.AddMilliseconds(500);
        using var call = channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { SleepUntilCancelled = true }, new CallOptions(Deadline: deadline));
        await _host.Echo.Waiting.Task.WaitAsync(SafetyTimeout);

        _host.ServerTime!.Advance(TimeSpan.FromSeconds(1));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(SafetyTimeout));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_DeadlineExceededMidStream_DeliversSentMessagesThenDeadlineExceeded()
    {
        using var channel = _host.CreateChannel(o => o.TimeProvider = new ManualTimeProvider());
        var deadline = new ManualTimeProvider().GetUtcNow().UtcDateTime.AddSeconds(5);
        using var call = channel.CallInvoker.ServerStreaming(EchoMethods.ServerStream, new EchoRequest { Repeat = 2, SleepUntilCancelled = true }, new CallOptions(Deadline: deadline));
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.True(await call.ResponseStream.MoveNext());
        await _host.Echo.Waiting.Task.WaitAsync(SafetyTimeout);

        _host.ServerTime!.Advance(TimeSpan.FromSeconds(6));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext().WaitAsync(SafetyTimeout));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    [Fact]
    public async Task Server_GrpcTimeoutHeader_BecomesDeadline()
    {
        using var channel = _host.CreateChannel(o => o.TimeProvider = _host.ServerTime!);
        var deadline = _host.ServerTime!.GetUtcNow().UtcDateTime.AddSeconds(30);

        await channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest(), new CallOptions(Deadline: deadline));

        Assert.Equal(deadline, _host.Echo.LastCall!.Deadline);
    }

    [Fact]
    public async Task Unary_DeadlineAlreadyPassed_FailsWithoutCallingServer()
    {
        using var channel = _host.CreateChannel(o => o.TimeProvider = _host.ServerTime!);
        var past = _host.ServerTime!.GetUtcNow().UtcDateTime.AddSeconds(-1);

        using var call = channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Text = "never" }, new CallOptions(Deadline: past));
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Null(_host.Echo.LastCall);
    }

    [Fact]
    public async Task Unary_CancelledByToken_ReturnsCancelledAndServerTokenFires()
    {
        using var channel = _host.CreateChannel();
        using var cts = new CancellationTokenSource();
        using var call = channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { SleepUntilCancelled = true }, new CallOptions(CancellationToken: cts.Token));
        await _host.Echo.Waiting.Task.WaitAsync(SafetyTimeout);

        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(SafetyTimeout));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await _host.Echo.CancellationObserved.Task.WaitAsync(SafetyTimeout);
    }

    [Fact]
    public async Task Dispose_InFlightDuplexCall_CancelsServerHandler()
    {
        using var channel = _host.CreateChannel();
        var call = channel.CallInvoker.DuplexStreaming(EchoMethods.Duplex);
        await call.RequestStream.WriteAsync(new EchoRequest { SleepUntilCancelled = true });
        await _host.Echo.Waiting.Task.WaitAsync(SafetyTimeout);

        call.Dispose();

        await _host.Echo.CancellationObserved.Task.WaitAsync(SafetyTimeout);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_CancelledByMoveNextToken_ReturnsCancelled()
    {
        using var channel = _host.CreateChannel();
        using var call = channel.CallInvoker.ServerStreaming(EchoMethods.ServerStream, new EchoRequest { Repeat = 1, SleepUntilCancelled = true });
        Assert.True(await call.ResponseStream.MoveNext());
        await _host.Echo.Waiting.Task.WaitAsync(SafetyTimeout);
        using var cts = new CancellationTokenSource();

        var next = call.ResponseStream.MoveNext(cts.Token);
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => next.WaitAsync(SafetyTimeout));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await _host.Echo.CancellationObserved.Task.WaitAsync(SafetyTimeout);
    }
}
