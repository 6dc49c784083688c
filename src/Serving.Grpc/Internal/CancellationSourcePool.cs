namespace Serving.Grpc.Internal;

/// <summary>
/// One cached <see cref="CancellationTokenSource"/> per thread for client calls that end cleanly
/// without having been cancelled. <see cref="CancellationTokenSource.TryReset"/> makes a returned
/// source as good as new (its registrations are dropped) and refuses a cancelled one.
/// </summary>
internal static class CancellationSourcePool
{
    [ThreadStatic]
    private static CancellationTokenSource? t_cached;

    public static CancellationTokenSource Rent()
    {
        var cached = t_cached;
        if (cached is not null)
        {
            t_cached = null;
            return cached;
        }

        return new CancellationTokenSource();
    }

    /// <summary>Only for a source that nobody can cancel any more.</summary>
    public static void Return(CancellationTokenSource source)
    {
        if (source.TryReset())
        {
            t_cached = source;
        }
    }
}
