using Google.Protobuf;

namespace Serving.Grpc;

/// <summary>
/// Describes one gRPC method: its kind, service, name and message parsers. Create one static
/// instance per method and share it between server and client.
/// </summary>
public sealed class Method<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    /// <summary>Creates a method descriptor.</summary>
    /// <param name="type">The kind of method.</param>
    /// <param name="serviceName">The fully qualified service name, e.g. <c>inference.GRPCInferenceService</c>.</param>
    /// <param name="name">The method name, e.g. <c>ModelInfer</c>.</param>
    /// <param name="requestParser">Parser of request messages.</param>
    /// <param name="responseParser">Parser of response messages.</param>
    public Method(MethodType type, string serviceName, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(requestParser);
        ArgumentNullException.ThrowIfNull(responseParser);
        Type = type;
        ServiceName = serviceName;
        Name = name;
        RequestParser = requestParser;
        ResponseParser = responseParser;
        FullName = "/" + serviceName + "/" + name;
    }

    /// <summary>The kind of method.</summary>
    public MethodType Type { get; }

    /// <summary>The fully qualified service name.</summary>
    public string ServiceName { get; }

    /// <summary>The method name.</summary>
    public string Name { get; }

    /// <summary>The HTTP/2 path: <c>/service/method</c>.</summary>
    public string FullName { get; }

    /// <summary>Parses requests.</summary>
    public MessageParser<TRequest> RequestParser { get; }

    /// <summary>Parses responses.</summary>
    public MessageParser<TResponse> ResponseParser { get; }

    /// <inheritdoc />
    public override string ToString() => FullName;
}
