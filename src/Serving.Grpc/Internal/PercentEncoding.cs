using System.Buffers;
using System.Text;

namespace Serving.Grpc.Internal;

/// <summary>
/// The percent-encoding of <c>grpc-message</c>: UTF-8 bytes outside printable ASCII (0x20-0x7E)
/// and '%' itself are written as %XX; decoding is lenient and keeps malformed sequences as-is.
/// </summary>
internal static class PercentEncoding
{
    public static string Encode(string value)
    {
        var needsEncoding = false;
        foreach (var c in value)
        {
            if (c is < ' ' or > '~' or '%')
            {
                needsEncoding = true;
                break;
            }
        }

        if (!needsEncoding)
        {
            return value;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is < 0x20 or > 0x7E or (byte)'%')
            {
                builder.Append('%').Append(HexUpper(b >> 4)).Append(HexUpper(b & 0xF));
            }
            else
            {
                builder.Append((char)b);
            }
        }

        return builder.ToString();
    }

    public static string Decode(string value)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(value.Length);
        try
        {
            var length = 0;
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                if (c == '%' && i + 2 < value.Length && TryHex(value[i + 1], out var hi) && TryHex(value[i + 2], out var lo))
                {
                    buffer[length++] = (byte)((hi << 4) | lo);
                    i += 2;
                }
                else
                {
                    // Values on the wire are ASCII; anything else is passed through as '?' rather
                    // than failing the call over a cosmetic field.
                    buffer[length++] = c <= 0x7F ? (byte)c : (byte)'?';
                }
            }

            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
