namespace Serving.Grpc;

/// <summary>Handles a unary call.</summary>
public delegate Task<TResponse> UnaryServerMethod<in TRequest, TResponse>(TRequest request, ServerCallContext context);

/// <summary>Handles a server-streaming call: one request, responses written to <paramref name="responseStream"/>.</summary>
public delegate Task ServerStreamingServerMethod<in TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);

/// <summary>Handles a client-streaming call: requests read from <paramref name="requestStream"/>, one response.</summary>
public delegate Task<TResponse> ClientStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context);

/// <summary>Handles a bidirectional streaming call.</summary>
public delegate Task DuplexStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);
