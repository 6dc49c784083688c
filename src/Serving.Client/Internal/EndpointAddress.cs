using System.Globalization;

namespace Serving.Client.Internal;

/// <summary>Turns what users type (<c>host:port</c>, <c>[::1]:8001</c>, <c>http(s)://host:port</c>) into a channel address.</summary>
internal static class EndpointAddress
{
    public static Uri Parse(string endpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        var text = endpoint.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            var colon = text.LastIndexOf(':');
            if (colon <= 0 || colon == text.Length - 1 || text.EndsWith(']')
                || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new ArgumentException($"Endpoint '{endpoint}' must be host:port or http(s)://host:port.", nameof(endpoint));
            }

            text = "http://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Endpoint '{endpoint}' must be host:port or http(s)://host:port.", nameof(endpoint));
        }

        return uri;
    }
}
