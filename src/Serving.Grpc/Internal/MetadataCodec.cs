using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace Serving.Grpc.Internal;

/// <summary>Converts <see cref="Metadata"/> to and from HTTP/2 headers.</summary>
internal static class MetadataCodec
{
    /// <summary>
    /// True for headers that belong to the transport or to gRPC itself and so are never exposed as
    /// (nor accepted from) user metadata.
    /// </summary>
    public static bool IsReserved(string key)
    {
        if (key.Length == 0 || key[0] == ':')
        {
            return true;
        }

        return key.ToLowerInvariant() switch
        {
            "content-type" or "te" or "host" or "content-length" or "connection" or "transfer-encoding"
                or GrpcProtocol.StatusHeader or GrpcProtocol.MessageHeader or GrpcProtocol.TimeoutHeader
                or GrpcProtocol.EncodingHeader or GrpcProtocol.AcceptEncodingHeader => true,
            _ => false,
        };
    }

    /// <summary>The wire form of a value: ASCII as-is, binary as unpadded base64 (the spec's preferred form).</summary>
    public static string EncodeValue(Metadata.Entry entry) => entry.IsBinary ? EncodeBinary(entry.ValueBytes) : entry.Value;

    public static string EncodeBinary(byte[] value) => Convert.ToBase64String(value).TrimEnd('=');

    /// <summary>Decodes base64 with or without padding (both are allowed on the wire).</summary>
    public static byte[] DecodeBinary(string value)
    {
        var trimmed = value.Trim();
        var padding = (4 - (trimmed.Length % 4)) % 4;
        if (padding == 3)
        {
            throw new FormatException("Invalid base64 length in binary metadata.");
        }

        return Convert.FromBase64String(padding == 0 ? trimmed : trimmed + new string('=', padding));
    }

    public static void AddTo(Metadata metadata, IHeaderDictionary headers)
    {
        foreach (var entry in metadata)
        {
            if (!IsReserved(entry.Key))
            {
                headers.Append(entry.Key, EncodeValue(entry));
            }
        }
    }

    public static void AddTo(Metadata metadata, HttpHeaders headers)
    {
        foreach (var entry in metadata)
        {
            if (!IsReserved(entry.Key))
            {
                headers.TryAddWithoutValidation(entry.Key, EncodeValue(entry));
            }
        }
    }

    public static Metadata FromHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var header in headers)
        {
            if (IsReserved(header.Key))
            {
                continue;
            }

            foreach (var value in header.Value)
            {
                AddEntry(metadata, header.Key, value ?? string.Empty);
            }
        }

        return metadata;
    }

    public static Metadata FromHeaders(HttpHeaders headers, HttpHeaders? contentHeaders = null)
    {
        var metadata = new Metadata();
        Add(metadata, headers);
        if (contentHeaders is not null)
        {
            Add(metadata, contentHeaders);
        }

        return metadata;

        static void Add(Metadata metadata, HttpHeaders headers)
        {
            foreach (var header in headers.NonValidated)
            {
                if (IsReserved(header.Key))
                {
                    continue;
                }

                foreach (var value in header.Value)
                {
                    AddEntry(metadata, header.Key, value);
                }
            }
        }
    }

    private static void AddEntry(Metadata metadata, string key, string value)
    {
        if (Metadata.IsBinaryKey(key))
        {
            // Several binary values may have been joined with ',' by an intermediary (HTTP
            // header combination); ',' is not a base64 character, so splitting is unambiguous.
            foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                metadata.Add(new Metadata.Entry(key, DecodeBinary(part)));
            }
        }
        else
        {
            metadata.Add(new Metadata.Entry(key, value));
        }
    }
}
