using Serving.Protocol;
using System.Threading.Channels;
using Serving.Grpc;
using Serving.Protocol.V1;
using Serving.Router.Workers;

namespace Serving.Router.Tests.Workers;

/// <summary>A WorkerControl service the test drives: each WatchLoad call becomes a <see cref="Connection"/> that pushes, breaks or ends on demand.</summary>
internal sealed class FakeWorkerControl
{
    private readonly Channel<Connection> _connections = Channel.CreateUnbounded<Connection>();
    private int _count;

    /// <summary>Calls accepted so far.</summary>
    public int ConnectionCount => Volatile.Read(ref _count);

    public ServiceDefinition CreateDefinition() =>
        ServiceDefinition.CreateBuilder().AddServerStreaming(WorkerControlMethods.WatchLoad, WatchLoadAsync).Build();

    /// <summary>The next accepted call (safety net of 10 s).</summary>
    public async Task<Connection> NextConnectionAsync() =>
        await _connections.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    private async Task WatchLoadAsync(WatchLoadRequest request, IServerStreamWriter<LoadReport> stream, ServerCallContext context)
    {
        var connection = new Connection(request, context.CancellationToken);
        Interlocked.Increment(ref _count);
        _connections.Writer.TryWrite(connection);
        await foreach (var step in connection.Steps.Reader.ReadAllAsync(context.CancellationToken))
        {
            if (step is null)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "worker going away"));
            }

            await stream.WriteAsync(step, context.CancellationToken);
        }
    }

    /// <summary>One WatchLoad call.</summary>
    public sealed class Connection
    {
        private readonly TaskCompletionSource _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Connection(WatchLoadRequest request, CancellationToken callCancelled)
        {
            Request = request;
            callCancelled.Register(() => _cancelled.TrySetResult());
        }

        public WatchLoadRequest Request { get; }

        /// <summary>Reports to write; null = fail the call with UNAVAILABLE.</summary>
        internal Channel<LoadReport?> Steps { get; } = Channel.CreateUnbounded<LoadReport?>();

        /// <summary>Completes when the client cancelled the call.</summary>
        public Task Cancelled => _cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));

        public void Push(LoadReport report) => Steps.Writer.TryWrite(report);

        public void Break() => Steps.Writer.TryWrite(null);

        public void End() => Steps.Writer.TryComplete();
    }
}
