namespace Serving.Telemetry.Internal;

/// <summary>Lock-free addition to a shared <see langword="double"/>.</summary>
internal static class DoubleCell
{
    public static void Add(ref double cell, double value)
    {
        var current = Volatile.Read(ref cell);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref cell, current + value, current);

            // Bitwise, as the exchange compares: -0.0 and NaN would otherwise spin.
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current))
            {
                return;
            }

            current = seen;
        }
    }
}
