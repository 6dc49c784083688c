namespace Serving.Grpc;

/// <summary>Options of the gRPC server endpoints (<c>services.AddGrpcServer(o => ...)</c>).</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted, in bytes; larger ones end the call with RESOURCE_EXHAUSTED. Default 64 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = Internal.GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>Largest response message sent, in bytes; larger ones end the call with RESOURCE_EXHAUSTED. Default 64 MiB.</summary>
    public int MaxSendMessageSize { get; set; } = Internal.GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>The clock for deadlines (tests inject a manual one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// When true, UNKNOWN statuses for handler exceptions carry the exception's type and message.
    /// Off by default: exception text can leak internals to callers. Stack traces are never sent.
    /// </summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>Optional PKCS#12 certificate file for TLS; h2c (cleartext HTTP/2) when null.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of <see cref="CertificatePath"/>, if any.</summary>
    public string? CertificatePassword { get; set; }
}
