using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Serving.Grpc;

namespace Serving.Router.Security;

/// <summary>
/// In front of the router's gRPC services: API-key authentication (UNAUTHENTICATED when the key is
/// missing or unknown) and a per-client concurrency limit (RESOURCE_EXHAUSTED beyond it). The
/// health service is exempt so that probes need no key.
/// </summary>
/// <remarks>
/// A key travels as <c>authorization: Bearer &lt;key&gt;</c> or <c>x-api-key: &lt;key&gt;</c>. The
/// client of the concurrency limit is its key's fingerprint, else its remote address. Requests
/// over the limit are refused at once (no queue): a caller with a latency budget is better served
/// by a fast refusal it can act on.
/// </remarks>
internal sealed class RouterAccessMiddleware
{
    private const string HealthPathPrefix = "/grpc.health.v1.Health/";

    private readonly ApiKeys _keys;
    private readonly int _limit;
    private readonly PartitionedRateLimiter<string>? _limiter;

    public RouterAccessMiddleware(ApiKeys keys, int maxConcurrentPerClient)
    {
        _keys = keys;
        _limit = maxConcurrentPerClient;
        _limiter = maxConcurrentPerClient > 0
            ? PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetConcurrencyLimiter(
                client,
                _ => new ConcurrencyLimiterOptions { PermitLimit = maxConcurrentPerClient, QueueLimit = 0 }))
            : null;
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!GrpcHttpResponses.IsGrpcRequest(context.Request) || context.Request.Path.StartsWithSegments(HealthPathPrefix.TrimEnd('/'), StringComparison.Ordinal))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        string client;
        if (_keys.Enabled)
        {
            var key = PresentedKey(context.Request);
            if (key is null)
            {
                await GrpcHttpResponses.WriteStatusAsync(context, new Status(StatusCode.Unauthenticated,
                    "missing API key: send metadata 'authorization: Bearer <key>' or 'x-api-key: <key>'")).ConfigureAwait(false);
                return;
            }

            if (!_keys.IsValid(key))
            {
                await GrpcHttpResponses.WriteStatusAsync(context, new Status(StatusCode.Unauthenticated, "unknown API key")).ConfigureAwait(false);
                return;
            }

            client = ApiKeys.Fingerprint(key);
        }
        else
        {
            client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        }

        if (_limiter is null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        using var lease = _limiter.AttemptAcquire(client);
        if (!lease.IsAcquired)
        {
            await GrpcHttpResponses.WriteStatusAsync(context, new Status(StatusCode.ResourceExhausted,
                $"too many concurrent requests from this client (limit {_limit}): rate_limited")).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    private static string? PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var key = authorization["Bearer ".Length..].Trim();
            return key.Length > 0 ? key : null;
        }

        var apiKey = request.Headers["x-api-key"].ToString().Trim();
        return apiKey.Length > 0 ? apiKey : null;
    }
}
