using Serving.Grpc;

namespace Serving.Client.Internal;

/// <summary>
/// Retries a call that failed with UNAVAILABLE (the server or connection was not there: nothing
/// was computed), with exponential backoff and full jitter, never past the call's deadline.
/// Every other code is the server's answer and is returned to the caller at once.
/// </summary>
/// <remarks>
/// Backoff before attempt n+1 = U(0,1) * min(max, initial * 2^(n-1)) ("full jitter": clients that
/// failed together do not come back together). A retry whose backoff would end at or after the
/// deadline is not made: the last UNAVAILABLE is thrown instead of a late DEADLINE_EXCEEDED.
/// The random source is shared by concurrent calls, so it is used under a lock.
/// </remarks>
internal sealed class RetryPolicy(int maxAttempts, TimeSpan initialBackoff, TimeSpan maxBackoff, Random random, TimeProvider time)
{
    private readonly Lock _randomLock = new();

    public int MaxAttempts { get; } = Math.Max(1, maxAttempts);

    /// <summary>The jittered wait after failed attempt <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan Backoff(int attempt)
    {
        var ceiling = initialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        ceiling = Math.Min(ceiling, maxBackoff.TotalMilliseconds);
        double u;
        lock (_randomLock)
        {
            u = random.NextDouble();
        }

        return TimeSpan.FromMilliseconds(u * ceiling);
    }

    /// <summary>Runs <paramref name="call"/> until it succeeds, fails with another code, attempts run out or the deadline would pass.</summary>
    public async Task<T> RunAsync<T>(Func<CallOptions, Task<T>> call, Metadata headers, DateTime? deadline, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            RpcException failure;
            try
            {
                return await call(new CallOptions(headers, deadline, cancellationToken)).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && attempt < MaxAttempts)
            {
                failure = e;
            }

            var delay = Backoff(attempt);
            if (deadline is { } due && time.GetUtcNow().UtcDateTime + delay >= due)
            {
                throw failure;
            }

            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
