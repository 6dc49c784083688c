using Microsoft.Extensions.Primitives;

namespace Serving.Grpc.Internal;

/// <summary>Names and values of the gRPC over HTTP/2 protocol (grpc/doc/PROTOCOL-HTTP2.md).</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string TeHeader = "te";

    /// <summary>The frame prefix: 1 byte compressed flag + 4 bytes big-endian length.</summary>
    public const int HeaderSize = 5;

    /// <summary>Default limit for received and sent messages: 64 MiB.</summary>
    public const int DefaultMaxMessageSize = 64 * 1024 * 1024;

    public const string GzipEncoding = "gzip";
    public const string IdentityEncoding = "identity";
    public const string AcceptedEncodings = "identity,gzip";

    // Preallocated header values so the hot path does not build StringValues per call.
    public static readonly StringValues ContentTypeValue = new(ContentType);
    public static readonly StringValues AcceptedEncodingsValue = new(AcceptedEncodings);
    public static readonly StringValues StatusOkValue = new("0");

    private static readonly StringValues[] s_statusValues = CreateStatusValues();

    /// <summary>The header value for <paramref name="code"/> without allocating for known codes.</summary>
    public static StringValues StatusValue(StatusCode code)
    {
        var i = (int)code;
        return (uint)i < (uint)s_statusValues.Length ? s_statusValues[i] : new StringValues(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// True for <c>application/grpc</c>, <c>application/grpc+proto</c> and either with parameters;
    /// other subtypes (e.g. <c>+json</c>) are not served by this protobuf-only layer.
    /// </summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = contentType.AsSpan(ContentType.Length);
        if (rest.IsEmpty || rest[0] == ';')
        {
            return true;
        }

        if (rest.StartsWith("+proto", StringComparison.OrdinalIgnoreCase))
        {
            rest = rest["+proto".Length..];
            return rest.IsEmpty || rest[0] == ';';
        }

        return false;
    }

    /// <summary>True when the content type names gRPC at all (any subtype): such requests get gRPC errors.</summary>
    public static bool IsAnyGrpcContentType(string? contentType) =>
        contentType is not null && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase);

    private static StringValues[] CreateStatusValues()
    {
        var values = new StringValues[17];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = new StringValues(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return values;
    }
}
