using Google.Protobuf;
using Serving.Grpc.Internal;

namespace Serving.Grpc;

/// <summary>
/// A service's methods bound to their handlers; map it with <c>app.MapGrpcService(definition)</c>.
/// Build with <see cref="CreateBuilder"/>.
/// </summary>
public sealed class ServiceDefinition
{
    private ServiceDefinition(IReadOnlyList<ServerMethodHandler> methods) => Methods = methods;

    internal IReadOnlyList<ServerMethodHandler> Methods { get; }

    /// <summary>The full names (<c>/service/method</c>) of the bound methods.</summary>
    public IEnumerable<string> MethodNames => Methods.Select(m => m.Path);

    /// <summary>Starts a definition.</summary>
    public static Builder CreateBuilder() => new();

    /// <summary>Binds methods to handlers.</summary>
    public sealed class Builder
    {
        private readonly List<ServerMethodHandler> _methods = [];
        private readonly HashSet<string> _paths = new(StringComparer.Ordinal);

        internal Builder()
        {
        }

        /// <summary>Binds a unary method.</summary>
        public Builder AddUnary<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse>
            => Add(method, MethodType.Unary, handler, () => new UnaryMethodHandler<TRequest, TResponse>(method, handler));

        /// <summary>Binds a server-streaming method.</summary>
        public Builder AddServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse>
            => Add(method, MethodType.ServerStreaming, handler, () => new ServerStreamingMethodHandler<TRequest, TResponse>(method, handler));

        /// <summary>Binds a client-streaming method.</summary>
        public Builder AddClientStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse>
            => Add(method, MethodType.ClientStreaming, handler, () => new ClientStreamingMethodHandler<TRequest, TResponse>(method, handler));

        /// <summary>Binds a bidirectional streaming method.</summary>
        public Builder AddDuplexStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse>
            => Add(method, MethodType.DuplexStreaming, handler, () => new DuplexStreamingMethodHandler<TRequest, TResponse>(method, handler));

        /// <summary>Finishes the definition.</summary>
        public ServiceDefinition Build() => new(_methods.ToArray());

        private Builder Add<TRequest, TResponse>(Method<TRequest, TResponse> method, MethodType expected, Delegate handler, Func<ServerMethodHandler> create)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse>
        {
            ArgumentNullException.ThrowIfNull(method);
            ArgumentNullException.ThrowIfNull(handler);
            if (method.Type != expected)
            {
                throw new ArgumentException($"Method {method.FullName} is {method.Type}, not {expected}.", nameof(method));
            }

            if (!_paths.Add(method.FullName))
            {
                throw new ArgumentException($"Method {method.FullName} is already bound.", nameof(method));
            }

            _methods.Add(create());
            return this;
        }
    }
}
