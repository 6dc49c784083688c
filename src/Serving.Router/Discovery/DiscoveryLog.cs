using Microsoft.Extensions.Logging;

namespace Serving.Router.Discovery;

internal static partial class DiscoveryLog
{
    [LoggerMessage(1, LogLevel.Information, "Workers of {Host}: +{Added} -{Removed}, {Count} now")]
    public static partial void WorkersChanged(ILogger logger, string host, int added, int removed, int count);

    [LoggerMessage(2, LogLevel.Warning, "Resolving {Host} failed; keeping the {Count} known workers")]
    public static partial void ResolveFailed(ILogger logger, string host, int count, Exception exception);
}
