namespace Serving.LoadTest.Schedules;

/// <summary>When open-loop requests are due, as offsets from the start of the run.</summary>
/// <remarks>
/// A pure function of its parameters (and seed): the same schedule gives the same instants, so
/// runs are comparable and tests assert exact arrival times. Offsets are non-decreasing.
/// </remarks>
internal interface IArrivalSchedule
{
    /// <summary>The spec it was made from, for the report, e.g. <c>poisson</c> or <c>ramp:5..40</c>.</summary>
    string Name { get; }

    /// <summary>Arrival offsets in [0, <paramref name="duration"/>).</summary>
    IEnumerable<TimeSpan> Arrivals(TimeSpan duration);
}
