namespace Serving.Router.Discovery;

/// <summary>DNS discovery: a name (e.g. a Kubernetes headless Service) whose A/AAAA records are the workers.</summary>
public sealed class DnsDiscoveryOptions
{
    /// <summary>The name to resolve, e.g. <c>serving-worker.serving.svc.cluster.local</c>.</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>The workers' gRPC port.</summary>
    public int Port { get; set; } = 8001;

    /// <summary>Use TLS (<c>https</c>) to reach the workers.</summary>
    public bool UseTls { get; set; }

    /// <summary>How often the name is re-resolved.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);
}
