using System.Globalization;

namespace Serving.LoadTest;

/// <summary>Durations as users type them: <c>80ms</c>, <c>30s</c>, <c>1.5s</c>, <c>2m</c>, <c>500us</c>; a bare number is seconds.</summary>
public static class DurationText
{
    /// <summary>Parses <paramref name="text"/>, or returns false for anything else (negative values included).</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        (string Suffix, double Seconds)[] units = [("us", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)];
        var scale = 1.0;
        foreach (var (suffix, seconds) in units)
        {
            if (s.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && (suffix != "s" || !s.EndsWith("ms", StringComparison.OrdinalIgnoreCase) && !s.EndsWith("us", StringComparison.OrdinalIgnoreCase)))
            {
                scale = seconds;
                s = s[..^suffix.Length];
                break;
            }
        }

        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number) || number < 0)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(number * scale);
        return true;
    }

    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <exception cref="FormatException">Not a duration.</exception>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not a duration (e.g. 80ms, 30s, 1.5s, 2m).");

    /// <summary>Short text for a duration, e.g. <c>80ms</c> or <c>30s</c>.</summary>
    public static string Format(TimeSpan value) =>
        value < TimeSpan.FromSeconds(1)
            ? value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms"
            : value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
