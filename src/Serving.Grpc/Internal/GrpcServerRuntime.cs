using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Serving.Grpc.Internal;

/// <summary>Per-application server state shared by every call: options and logger, resolved once.</summary>
internal sealed class GrpcServerRuntime(IOptions<GrpcServerOptions> options, ILoggerFactory? loggerFactory = null)
{
    public GrpcServerOptions Options { get; } = options.Value;

    public ILogger Logger { get; } = (ILogger?)loggerFactory?.CreateLogger("Serving.Grpc.Server") ?? NullLogger.Instance;
}
