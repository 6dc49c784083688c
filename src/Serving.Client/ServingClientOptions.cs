namespace Serving.Client;

/// <summary>Options of a <see cref="ServingClient"/>.</summary>
public sealed class ServingClientOptions
{
    /// <summary>
    /// API key sent on every call as the metadata <c>authorization: Bearer &lt;key&gt;</c> (the
    /// standard header, which proxies and gRPC tooling know to keep out of logs); null = none.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Attempts per call including the first; only UNAVAILABLE is retried. Default 3; 1 disables retries.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Upper bound of the first backoff (full jitter: the wait is uniform below it). Default 50 ms.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Upper bound of any backoff. Default 1 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deadline of calls whose options give none; null = no deadline.</summary>
    public TimeSpan? DefaultDeadline { get; set; }

    /// <summary>Random source of the backoff jitter; seed it for reproducible runs. Default: a shared one.</summary>
    public Random? Random { get; set; }

    /// <summary>Clock of deadlines and backoff waits (tests inject a manual one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Handler carrying the calls (e.g. a tuned <see cref="System.Net.Http.SocketsHttpHandler"/>); null = the channel's default.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Largest response accepted, bytes (segmentation masks of large photos are a few MiB). Default 64 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = 64 * 1024 * 1024;
}
