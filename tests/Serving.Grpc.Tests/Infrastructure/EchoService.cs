using Google.Protobuf;
using Serving.Grpc.Tests.Echo;

namespace Serving.Grpc.Tests.Infrastructure;

/// <summary>The C# implementation of the test EchoService (same semantics as Interop/echo_server.py).</summary>
internal sealed class EchoService
{
    /// <summary>Completes when a handler starts waiting for cancellation (a sync point for tests).</summary>
    public TaskCompletionSource Waiting { get; private set; } = NewSignal();

    /// <summary>Completes when a waiting handler observed its cancellation token fire.</summary>
    public TaskCompletionSource CancellationObserved { get; private set; } = NewSignal();

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _cancelledByText = new();

    /// <summary>Completes once a waiting handler for a request with <paramref name="text"/> saw its call cancelled.</summary>
    public Task WhenCancelledAsync(string text) => _cancelledByText.GetOrAdd(text, _ => NewSignal()).Task;

    /// <summary>What the server saw on the last call (copied: the context dies with its call).</summary>
    public CallRecord? LastCall { get; private set; }

    public ServiceDefinition CreateDefinition() => ServiceDefinition.CreateBuilder()
        .AddUnary(EchoMethods.Unary, UnaryAsync)
        .AddServerStreaming(EchoMethods.ServerStream, ServerStreamAsync)
        .AddClientStreaming(EchoMethods.ClientStream, ClientStreamAsync)
        .AddDuplexStreaming(EchoMethods.Duplex, DuplexAsync)
        .Build();

    public void Reset()
    {
        Waiting = NewSignal();
        CancellationObserved = NewSignal();
    }

    private async Task<EchoResponse> UnaryAsync(EchoRequest request, ServerCallContext context)
    {
        Record(context);
        await PrepareAsync(request, context);
        return Reply(request, 0);
    }

    private async Task ServerStreamAsync(EchoRequest request, IServerStreamWriter<EchoResponse> responses, ServerCallContext context)
    {
        Record(context);
        if (request.EchoMetadata)
        {
            await EchoMetadataAsync(context);
        }

        for (var i = 0; i < request.Repeat; i++)
        {
            await responses.WriteAsync(Reply(request, i), context.CancellationToken);
        }

        await PrepareAsync(request, context, skipMetadata: true);
    }

    private async Task<EchoResponse> ClientStreamAsync(IAsyncStreamReader<EchoRequest> requests, ServerCallContext context)
    {
        Record(context);
        var texts = new List<string>();
        long bytes = 0;
        EchoRequest? last = null;
        while (await requests.MoveNext(context.CancellationToken))
        {
            last = requests.Current;
            texts.Add(last.Text);
            bytes += last.Payload.Length;
            if (last.ErrorCode != 0 || last.SleepUntilCancelled)
            {
                await PrepareAsync(last, context);
            }
        }

        return new EchoResponse { Text = string.Join(",", texts), Count = texts.Count, Index = (int)Math.Min(bytes, int.MaxValue) };
    }

    private async Task DuplexAsync(IAsyncStreamReader<EchoRequest> requests, IServerStreamWriter<EchoResponse> responses, ServerCallContext context)
    {
        Record(context);
        var index = 0;
        while (await requests.MoveNext(context.CancellationToken))
        {
            var request = requests.Current;
            if (index == 0 && request.EchoMetadata)
            {
                await EchoMetadataAsync(context);
            }

            await PrepareAsync(request, context, skipMetadata: true);
            await responses.WriteAsync(Reply(request, index++), context.CancellationToken);
        }
    }

    private async Task PrepareAsync(EchoRequest request, ServerCallContext context, bool skipMetadata = false)
    {
        if (request.EchoMetadata && !skipMetadata)
        {
            await EchoMetadataAsync(context);
        }

        if (request.SleepUntilCancelled)
        {
            var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (context.CancellationToken.Register(() => cancelled.TrySetResult()))
            {
                Waiting.TrySetResult();
                await cancelled.Task;
            }

            CancellationObserved.TrySetResult();
            _cancelledByText.GetOrAdd(request.Text, _ => NewSignal()).TrySetResult();
            context.CancellationToken.ThrowIfCancellationRequested();
        }

        if (request.ErrorCode != 0)
        {
            throw new RpcException(new Status((StatusCode)request.ErrorCode, request.ErrorMessage));
        }
    }

    private static async Task EchoMetadataAsync(ServerCallContext context)
    {
        var echoed = new Metadata();
        foreach (var entry in context.RequestHeaders)
        {
            if (entry.Key.StartsWith("x-", StringComparison.Ordinal))
            {
                echoed.Add(entry);
                context.ResponseTrailers.Add(entry);
            }
        }

        await context.WriteResponseHeadersAsync(echoed);
    }

    private void Record(ServerCallContext context) =>
        LastCall = new CallRecord(context.Method, context.Host, context.Peer, context.Deadline, context.RequestHeaders);

    private static EchoResponse Reply(EchoRequest request, int index) => new()
    {
        Text = request.Text,
        Index = index,
        Count = request.Payload.Length,
        Payload = request.ResponsePayloadSize > 0 ? ByteString.CopyFrom(Payload.Create(request.ResponsePayloadSize)) : request.Payload,
    };

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A snapshot of a call's context taken inside the handler.</summary>
internal sealed record CallRecord(string Method, string Host, string Peer, DateTime Deadline, Metadata RequestHeaders);

/// <summary>Deterministic payloads (seeded) so tests can verify content, not just length.</summary>
internal static class Payload
{
    public static byte[] Create(int size, int seed = 42)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
