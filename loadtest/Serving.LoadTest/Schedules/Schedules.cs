namespace Serving.LoadTest.Schedules;

/// <summary>Evenly spaced arrivals: the k-th at k / rate.</summary>
internal sealed class ConstantSchedule(double rate) : IArrivalSchedule
{
    public string Name => "constant";

    public IEnumerable<TimeSpan> Arrivals(TimeSpan duration)
    {
        for (long k = 0; ; k++)
        {
            var t = k / rate;
            if (t >= duration.TotalSeconds)
            {
                yield break;
            }

            yield return TimeSpan.FromSeconds(t);
        }
    }
}

/// <summary>A Poisson process: exponential gaps of mean 1 / rate from a seeded source.</summary>
internal sealed class PoissonSchedule(double rate, int seed) : IArrivalSchedule
{
    public string Name => "poisson";

    public IEnumerable<TimeSpan> Arrivals(TimeSpan duration)
    {
        var random = new Random(seed);
        var t = 0.0;
        while (true)
        {
            // 1 - U is in (0, 1], so the logarithm is finite.
            t += -Math.Log(1 - random.NextDouble()) / rate;
            if (t >= duration.TotalSeconds)
            {
                yield break;
            }

            yield return TimeSpan.FromSeconds(t);
        }
    }
}

/// <summary>Piecewise-constant rate: each step's rate holds from its start until the next step's.</summary>
/// <remarks>Arrivals are evenly spaced inside a step, the first at the step's start.</remarks>
internal sealed class StepSchedule(string name, IReadOnlyList<(TimeSpan Start, double Rate)> steps) : IArrivalSchedule
{
    public string Name => name;

    public IEnumerable<TimeSpan> Arrivals(TimeSpan duration)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            var start = steps[i].Start.TotalSeconds;
            var end = Math.Min(i + 1 < steps.Count ? steps[i + 1].Start.TotalSeconds : double.PositiveInfinity, duration.TotalSeconds);
            var rate = steps[i].Rate;
            if (rate <= 0)
            {
                continue;
            }

            for (long k = 0; ; k++)
            {
                var t = start + k / rate;
                if (t >= end)
                {
                    break;
                }

                yield return TimeSpan.FromSeconds(t);
            }
        }
    }
}

/// <summary>A rate rising (or falling) linearly from A to B over the duration.</summary>
/// <remarks>
/// The expected count by time t is N(t) = A t + (B - A) t^2 / (2 D); the k-th arrival is at N(t) = k,
/// the positive root of that quadratic, so the instants follow the rate exactly without randomness.
/// </remarks>
internal sealed class RampSchedule(double from, double to) : IArrivalSchedule
{
    public string Name => FormattableString.Invariant($"ramp:{from}..{to}");

    public IEnumerable<TimeSpan> Arrivals(TimeSpan duration)
    {
        var d = duration.TotalSeconds;
        var slope = (to - from) / d;
        for (long k = 0; ; k++)
        {
            double t;
            if (Math.Abs(slope) < 1e-12)
            {
                t = from > 0 ? k / from : double.PositiveInfinity;
            }
            else
            {
                // slope/2 t^2 + from t - k = 0
                var discriminant = from * from + 2 * slope * k;
                t = discriminant < 0 ? double.PositiveInfinity : (-from + Math.Sqrt(discriminant)) / slope;
            }

            if (!(t < d))
            {
                yield break;
            }

            yield return TimeSpan.FromSeconds(t);
        }
    }
}

/// <summary>Replays recorded arrival offsets (seconds from the start, one per line).</summary>
internal sealed class TraceSchedule(string name, IReadOnlyList<TimeSpan> offsets) : IArrivalSchedule
{
    public string Name => name;

    public IEnumerable<TimeSpan> Arrivals(TimeSpan duration) => offsets.Where(o => o < duration);
}
