namespace Serving.Grpc;

/// <summary>Server-side helpers for bidirectional streams.</summary>
public static class DuplexStreams
{
    /// <summary>
    /// Handles every request of <paramref name="requests"/> concurrently (so they can share work,
    /// e.g. join one batch) and writes each answer as it completes, one write at a time; returns
    /// when the client has finished sending and every answer is written.
    /// </summary>
    /// <param name="requests">The call's request stream.</param>
    /// <param name="responses">The call's response stream.</param>
    /// <param name="handle">Answers one request; it must turn its own failures into a response (an exception ends the call).</param>
    /// <param name="cancellationToken">The call's cancellation.</param>
    public static async Task ProcessConcurrentlyAsync<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requests,
        IServerStreamWriter<TResponse> responses,
        Func<TRequest, Task<TResponse>> handle,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(handle);
        using var writeGate = new SemaphoreSlim(1, 1);
        var pending = new List<Task>();
        while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var request = requests.Current;
            pending.Add(Task.Run(async () =>
            {
                var response = await handle(request).ConfigureAwait(false);
                await writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await responses.WriteAsync(response, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    writeGate.Release();
                }
            }, cancellationToken));
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
    }
}
