namespace Serving.Router.Discovery;

/// <summary>A worker's gRPC address and the id the router knows it by.</summary>
/// <param name="Id">Stable key (authority, e.g. <c>10.0.0.5:8001</c>).</param>
/// <param name="Address">gRPC base address (<c>http://</c> for h2c, <c>https://</c> for TLS).</param>
public sealed record WorkerEndpoint(string Id, Uri Address)
{
    /// <summary>Parses <c>host:port</c> (h2c assumed) or an absolute <c>http(s)://host:port</c> address.</summary>
    public static WorkerEndpoint Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var trimmed = text.Trim();
        var withScheme = trimmed.Contains("://", StringComparison.Ordinal) ? trimmed : "http://" + trimmed;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new FormatException($"'{text}' is not a worker address (host:port or http(s)://host:port).");
        }

        return new WorkerEndpoint(uri.Authority, uri);
    }
}
