using System.Globalization;

namespace Serving.LoadTest.Schedules;

/// <summary>
/// Parses <c>--schedule</c>: <c>constant</c>, <c>poisson</c> (both at <c>--rate</c>),
/// <c>step:RATE@T,RATE@T,...</c> (e.g. <c>step:5@0s,20@10s,40@20s</c>), <c>ramp:A..B</c> (requests/s
/// from A to B over the duration) or <c>trace:FILE</c> (one offset in seconds per line; <c>#</c>
/// comments; an optional second comma-separated column is ignored).
/// </summary>
internal static class ScheduleSpec
{
    public static IArrivalSchedule Parse(string spec, double rate, int seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        var colon = spec.IndexOf(':');
        var kind = colon < 0 ? spec.Trim() : spec[..colon].Trim();
        var argument = colon < 0 ? string.Empty : spec[(colon + 1)..].Trim();
        switch (kind)
        {
            case "constant" or "poisson" when rate <= 0 || !double.IsFinite(rate):
                throw new FormatException($"--rate must be positive for the {kind} schedule, not {rate}.");
            case "constant":
                return new ConstantSchedule(rate);
            case "poisson":
                return new PoissonSchedule(rate, seed);
            case "ramp":
                var parts = argument.Split("..", StringSplitOptions.TrimEntries);
                if (parts.Length != 2 || !TryRate(parts[0], out var from) || !TryRate(parts[1], out var to) || from + to <= 0)
                {
                    throw new FormatException($"ramp schedule '{spec}' must be ramp:A..B with rates A, B >= 0 (requests/s), e.g. ramp:5..40.");
                }

                return new RampSchedule(from, to);
            case "step":
                return new StepSchedule(spec, ParseSteps(spec, argument));
            case "trace":
                if (argument.Length == 0 || !File.Exists(argument))
                {
                    throw new FormatException($"trace file '{argument}' does not exist.");
                }

                return new TraceSchedule(spec, ParseTrace(argument, File.ReadAllLines(argument)));
            default:
                throw new FormatException($"unknown schedule '{spec}': constant, poisson, step:RATE@T,..., ramp:A..B or trace:FILE.");
        }
    }

    internal static List<(TimeSpan Start, double Rate)> ParseSteps(string spec, string argument)
    {
        var steps = new List<(TimeSpan Start, double Rate)>();
        foreach (var item in argument.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var at = item.Split('@', StringSplitOptions.TrimEntries);
            if (at.Length != 2 || !TryRate(at[0], out var stepRate) || !DurationText.TryParse(at[1], out var start))
            {
                throw new FormatException($"step '{item}' of '{spec}' must be RATE@TIME, e.g. 20@10s.");
            }

            if (steps.Count > 0 && start <= steps[^1].Start)
            {
                throw new FormatException($"steps of '{spec}' must start at increasing times.");
            }

            steps.Add((start, stepRate));
        }

        if (steps.Count == 0)
        {
            throw new FormatException($"step schedule '{spec}' names no steps, e.g. step:5@0s,20@10s.");
        }

        return steps;
    }

    internal static List<TimeSpan> ParseTrace(string name, IEnumerable<string> lines)
    {
        var offsets = new List<TimeSpan>();
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var first = line.Split(',', 2)[0].Trim();
            if (!double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || !double.IsFinite(seconds))
            {
                throw new FormatException($"{name} line {number}: '{first}' is not an offset in seconds.");
            }

            offsets.Add(TimeSpan.FromSeconds(seconds));
        }

        offsets.Sort();
        return offsets;
    }

    private static bool TryRate(string text, out double rate) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out rate) && rate >= 0 && double.IsFinite(rate);
}
