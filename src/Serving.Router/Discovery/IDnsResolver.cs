using System.Net;

namespace Serving.Router.Discovery;

/// <summary>Resolves a host name to addresses (a seam so discovery is tested without DNS).</summary>
public interface IDnsResolver
{
    /// <summary>All current addresses of <paramref name="host"/>.</summary>
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The system resolver.</summary>
internal sealed class SystemDnsResolver : IDnsResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Dns.GetHostAddressesAsync(host, cancellationToken);
}
