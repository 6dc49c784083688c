namespace Serving.Router.Selection;

/// <summary>How the router corrects its completion predictions by what its calls to a worker took.</summary>
/// <remarks>
/// Predictions come from the service times a worker measured for one model alone. On cores that
/// other models, other workers or the router itself also use, a batch can take longer than that, and
/// the worker's percentiles only catch up as its window turns over. The router sees the effect first
/// hand: for each call it knows what it predicted and what the call took. The correction factor is a
/// high quantile of observed / predicted over the recent calls of one model on one worker, never
/// below 1 (it only makes predictions more cautious) and capped.
/// </remarks>
public sealed class CalibrationOptions
{
    /// <summary>Recent calls kept per model and worker; 0 turns calibration off.</summary>
    public int Samples { get; set; } = 128;

    /// <summary>Calls needed before the factor moves from 1.</summary>
    public int MinSamples { get; set; } = 16;

    /// <summary>
    /// The quantile of observed / predicted used as the factor, in (0, 1]. The default, 0.99, makes
    /// calibrated predictions hold at the p99 the standard SLO classes are stated at (0.95 was
    /// measured to leave late answers at 2x to 3x the heavy variant's capacity).
    /// </summary>
    public double Quantile { get; set; } = 0.99;

    /// <summary>Calls older than this are forgotten, so a factor from a past overload does not outlive it.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Predictions shorter than this are compared as if they were this long: below it a call's time
    /// is mostly network, scheduling and collection pauses, which do not grow with the work ahead,
    /// so a 10 ms prediction that took 30 ms says nothing about a 300 ms queue.
    /// </summary>
    public TimeSpan MinPrediction { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The largest factor (a worker this far off its own profile is a matter for its breaker, not for planning).</summary>
    public double MaxFactor { get; set; } = 3;

    /// <summary>Whether calibration is on.</summary>
    public bool Enabled => Samples > 0;

    /// <summary>Sets the <see cref="Quantile"/> as the command line and configuration file give it: 0 turns calibration off.</summary>
    public void Apply(double quantile)
    {
        if (quantile == 0)
        {
            Samples = 0;
        }
        else
        {
            Quantile = quantile;
        }
    }
}

/// <summary>
/// The recent observed / predicted ratios of one model on one worker and the factor they give
/// (<see cref="CalibrationOptions"/>). Not thread-safe: the load tracker calls it under its lock.
/// </summary>
internal sealed class CalibrationWindow(CalibrationOptions options, TimeProvider time)
{
    private readonly Queue<(long At, double Ratio)> _samples = new();
    private double[] _sorted = [];

    /// <summary>The factor as last computed by <see cref="Add"/> or <see cref="Refresh"/>.</summary>
    public double Factor { get; private set; } = 1;

    /// <summary>Records one call: predicted to take <paramref name="predicted"/>, took <paramref name="observed"/>. Returns the new factor.</summary>
    public double Add(TimeSpan predicted, TimeSpan observed)
    {
        if (predicted > TimeSpan.Zero && observed >= TimeSpan.Zero)
        {
            var basis = predicted > options.MinPrediction ? predicted : options.MinPrediction;
            _samples.Enqueue((time.GetTimestamp(), observed / basis));
            while (_samples.Count > options.Samples)
            {
                _samples.Dequeue();
            }
        }

        return Refresh();
    }

    /// <summary>Forgets calls older than <see cref="CalibrationOptions.MaxAge"/> and recomputes the factor.</summary>
    public double Refresh()
    {
        var now = time.GetTimestamp();
        while (_samples.TryPeek(out var oldest) && time.GetElapsedTime(oldest.At, now) > options.MaxAge)
        {
            _samples.Dequeue();
        }

        var count = _samples.Count;
        if (count < Math.Max(1, options.MinSamples))
        {
            return Factor = 1;
        }

        if (_sorted.Length < count)
        {
            _sorted = new double[options.Samples];
        }

        var i = 0;
        foreach (var (_, ratio) in _samples)
        {
            _sorted[i++] = ratio;
        }

        var span = _sorted.AsSpan(0, count);
        span.Sort();
        var rank = Math.Clamp((int)Math.Ceiling(options.Quantile * count) - 1, 0, count - 1);
        return Factor = Math.Clamp(span[rank], 1, options.MaxFactor);
    }
}
