using System.Globalization;

namespace Serving.Grpc.Internal;

/// <summary>Parses and formats the <c>grpc-timeout</c> header: 1-8 ASCII digits and a unit (H M S m u n).</summary>
internal static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    /// <summary>Parses <paramref name="value"/>; false when it is not a valid timeout.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length < 2 || value.Length > 9)
        {
            return false;
        }

        long amount = 0;
        for (var i = 0; i < value.Length - 1; i++)
        {
            var c = value[i];
            if (c is < '0' or > '9')
            {
                return false;
            }

            amount = (amount * 10) + (c - '0');
        }

        // Convert to ticks (100 ns). Large H values overflow TimeSpan's range only past ~29000
        // years, and 8 digits of hours is ~11400 years, so the multiplication cannot overflow.
        long ticks;
        switch (value[^1])
        {
            case 'H': ticks = amount * TimeSpan.TicksPerHour; break;
            case 'M': ticks = amount * TimeSpan.TicksPerMinute; break;
            case 'S': ticks = amount * TimeSpan.TicksPerSecond; break;
            case 'm': ticks = amount * TimeSpan.TicksPerMillisecond; break;
            case 'u': ticks = amount * 10; break;
            case 'n': ticks = amount / 100; break;
            default: return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>
    /// Formats <paramref name="timeout"/> with the finest unit that fits in 8 digits, rounding up so
    /// the server never sees a shorter budget than the caller gave. Non-positive timeouts become 1n.
    /// </summary>
    public static string Format(TimeSpan timeout)
    {
        var ticks = timeout.Ticks;
        if (ticks <= 0)
        {
            return "1n";
        }

        var micros = CeilDiv(ticks, 10);
        if (micros <= MaxValue)
        {
            return micros.ToString(CultureInfo.InvariantCulture) + "u";
        }

        var millis = CeilDiv(ticks, TimeSpan.TicksPerMillisecond);
        if (millis <= MaxValue)
        {
            return millis.ToString(CultureInfo.InvariantCulture) + "m";
        }

        var seconds = CeilDiv(ticks, TimeSpan.TicksPerSecond);
        if (seconds <= MaxValue)
        {
            return seconds.ToString(CultureInfo.InvariantCulture) + "S";
        }

        var minutes = CeilDiv(ticks, TimeSpan.TicksPerMinute);
        if (minutes <= MaxValue)
        {
            return minutes.ToString(CultureInfo.InvariantCulture) + "M";
        }

        return Math.Min(CeilDiv(ticks, TimeSpan.TicksPerHour), MaxValue).ToString(CultureInfo.InvariantCulture) + "H";
    }

    private static long CeilDiv(long value, long divisor) => (value / divisor) + (value % divisor == 0 ? 0 : 1);
}
