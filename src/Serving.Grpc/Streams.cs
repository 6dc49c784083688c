namespace Serving.Grpc;

/// <summary>Reads a stream of messages; <see cref="MoveNext"/> returns false at the end of the stream.</summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The message read by the last successful <see cref="MoveNext"/>.</summary>
    T Current { get; }

    /// <summary>Advances to the next message; false when the peer has finished sending.</summary>
    Task<bool> MoveNext(CancellationToken cancellationToken = default);
}

/// <summary>Writes a stream of messages.</summary>
public interface IAsyncStreamWriter<in T>
{
    /// <summary>Writes one message and flushes it to the peer.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}

/// <summary>The server's writer of response messages.</summary>
public interface IServerStreamWriter<in T> : IAsyncStreamWriter<T>
{
}

/// <summary>The client's writer of request messages; <see cref="CompleteAsync"/> ends the request stream.</summary>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Ends the request stream (half-close); later writes fail.</summary>
    Task CompleteAsync();
}

/// <summary>Adapts readers to <c>await foreach</c>.</summary>
public static class AsyncStreamReaderExtensions
{
    /// <summary>Enumerates the remaining messages of <paramref name="reader"/>.</summary>
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.Current;
        }
    }
}
