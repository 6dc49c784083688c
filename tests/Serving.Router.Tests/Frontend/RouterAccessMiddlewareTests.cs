using Microsoft.AspNetCore.Http;
using Serving.Router.Security;

namespace Serving.Router.Tests.Frontend;

/// <summary>The per-client concurrency limit refuses at once beyond the limit, per client, and frees slots as calls end.</summary>
public sealed class RouterAccessMiddlewareTests
{
    [Fact]
    public async Task Invoke_SecondConcurrentCallOfSameClient_ResourceExhaustedOtherClientServed()
    {
        var middleware = new RouterAccessMiddleware(ApiKeys.Of("a", "b"), maxConcurrentPerClient: 1);
        var release = new TaskCompletionSource();
        var entered = new TaskCompletionSource();
        Task Blocking(HttpContext _)
        {
            entered.TrySetResult();
            return release.Task;
        }

        var first = middleware.InvokeAsync(Call("a"), Blocking);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var refused = Call("a");
        await middleware.InvokeAsync(refused, _ => throw new InvalidOperationException("must not run"));
        var otherClient = Call("b");
        var otherRan = false;
        await middleware.InvokeAsync(otherClient, _ =>
        {
            otherRan = true;
            return Task.CompletedTask;
        });
        release.SetResult();
        await first;
        var again = Call("a");
        var againRan = false;
        await middleware.InvokeAsync(again, _ =>
        {
            againRan = true;
            return Task.CompletedTask;
        });

        Assert.Equal("8", refused.Response.Headers["grpc-status"].ToString());
        Assert.Contains("limit 1", Uri.UnescapeDataString(refused.Response.Headers["grpc-message"].ToString()), StringComparison.Ordinal);
        Assert.True(otherRan);
        Assert.True(againRan);
    }

    private static DefaultHttpContext Call(string key)
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/grpc";
        context.Request.Path = "/serving.v1.FaceService/Verify";
        context.Request.Headers["x-api-key"] = key;
        return context;
    }
}
