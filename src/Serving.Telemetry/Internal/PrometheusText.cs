using System.Buffers;
using System.Globalization;
using System.Text;

namespace Serving.Telemetry.Internal;

/// <summary>
/// The text format 0.0.4 rules: name sanitising, escaping, and writing UTF-8 straight into the
/// response buffer.
/// </summary>
/// <remarks>
/// Everything that depends only on an instrument or a label set (names, HELP text, label blocks) is
/// encoded once when the series is created; a scrape only copies those bytes and formats numbers
/// into the buffer, so it allocates nothing per series.
/// </remarks>
internal static class PrometheusText
{
    /// <summary>Metric names: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>; dots (the .NET meter convention) become underscores.</summary>
    public static string SanitizeMetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>Label names: <c>[a-zA-Z_][a-zA-Z0-9_]*</c> (no colons).</summary>
    public static string SanitizeLabelName(string name) => Sanitize(name, allowColon: false);

    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        var valid = !char.IsAsciiDigit(name[0]);
        foreach (var c in name)
        {
            valid &= IsNameChar(c, allowColon);
        }

        if (valid)
        {
            return name;
        }

        var builder = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            builder.Append('_');
        }

        foreach (var c in name)
        {
            builder.Append(IsNameChar(c, allowColon) ? c : '_');
        }

        return builder.ToString();
    }

    private static bool IsNameChar(char c, bool allowColon) =>
        char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');

    /// <summary>Label values escape backslash, double quote and newline.</summary>
    public static string EscapeLabelValue(string value) => Escape(value, escapeQuote: true);

    /// <summary>HELP text escapes backslash and newline (a quote is literal there).</summary>
    public static string EscapeHelp(string help) => Escape(help, escapeQuote: false);

    private static string Escape(string value, bool escapeQuote)
    {
        if (value.AsSpan().IndexOfAny(escapeQuote ? "\\\"\n" : "\\\n") < 0)
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => builder.Append("\\\\"),
                '\n' => builder.Append("\\n"),
                '"' when escapeQuote => builder.Append("\\\""),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }

    /// <summary>A tag value as label text: invariant culture, lower-case booleans, null as empty.</summary>
    public static string FormatTagValue(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>A sample value or bucket bound in the format Prometheus parses (Go's ParseFloat spellings for the specials).</summary>
    public static string FormatDouble(double value)
    {
        Span<byte> buffer = stackalloc byte[32];
        var written = FormatDouble(value, buffer);
        return Encoding.ASCII.GetString(buffer[..written]);
    }

    private static int FormatDouble(double value, Span<byte> destination)
    {
        ReadOnlySpan<byte> special =
            double.IsNaN(value) ? "NaN"u8 :
            double.IsPositiveInfinity(value) ? "+Inf"u8 :
            double.IsNegativeInfinity(value) ? "-Inf"u8 : default;
        if (!special.IsEmpty)
        {
            special.CopyTo(destination);
            return special.Length;
        }

        // "R" is the shortest text that parses back to the same double, so sums survive the trip.
        value.TryFormat(destination, out var written, "R", CultureInfo.InvariantCulture);
        return written;
    }

    /// <summary>Encodes a string that the scrape will copy verbatim.</summary>
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }

    public static void Write(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(24);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    public static void Write(IBufferWriter<byte> output, double value)
    {
        var span = output.GetSpan(32);
        output.Advance(FormatDouble(value, span));
    }

    /// <summary>One sample line: <c>name{labels} value\n</c>, the label block already encoded with its braces.</summary>
    public static void WriteSample(IBufferWriter<byte> output, byte[] name, ReadOnlySpan<byte> suffix, byte[] labels, long value)
    {
        WriteSampleStart(output, name, suffix, labels);
        Write(output, value);
        Write(output, "\n"u8);
    }

    /// <inheritdoc cref="WriteSample(IBufferWriter{byte}, byte[], ReadOnlySpan{byte}, byte[], long)"/>
    public static void WriteSample(IBufferWriter<byte> output, byte[] name, ReadOnlySpan<byte> suffix, byte[] labels, double value)
    {
        WriteSampleStart(output, name, suffix, labels);
        Write(output, value);
        Write(output, "\n"u8);
    }

    private static void WriteSampleStart(IBufferWriter<byte> output, byte[] name, ReadOnlySpan<byte> suffix, byte[] labels)
    {
        Write(output, name);
        Write(output, suffix);
        Write(output, labels);
        Write(output, " "u8);
    }
}
