using Microsoft.AspNetCore.Http;

namespace Serving.Telemetry.Internal;

/// <summary>Answers a scrape; shared by the mapped endpoint and the metrics-only listener.</summary>
internal static class MetricsResponse
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>
    /// Writes straight into the response's pooled pipe buffers and flushes once, so a scrape costs
    /// no intermediate string or array however many series there are.
    /// </summary>
    public static async Task WriteAsync(HttpContext context, PrometheusCollector collector)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ContentType;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        collector.Collect(context.Response.BodyWriter);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}
