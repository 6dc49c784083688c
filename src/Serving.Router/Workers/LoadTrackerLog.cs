using Microsoft.Extensions.Logging;

namespace Serving.Router.Workers;

internal static partial class LoadTrackerLog
{
    [LoggerMessage(1, LogLevel.Information, "Load stream of worker {Worker} is up")]
    public static partial void Connected(ILogger logger, string worker);

    [LoggerMessage(2, LogLevel.Warning, "Load stream of worker {Worker} broke ({Reason}); reconnecting in {DelayMs:0} ms")]
    public static partial void Broken(ILogger logger, string worker, string reason, double delayMs);

    [LoggerMessage(3, LogLevel.Warning, "Worker {Worker} sent no load report for {SilentMs:0} ms; not routable until it does")]
    public static partial void Stale(ILogger logger, string worker, double silentMs);
}
