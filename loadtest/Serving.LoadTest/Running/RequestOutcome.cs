using Serving.Grpc;
using Serving.LoadTest.Workload;

namespace Serving.LoadTest.Running;

/// <summary>A named latency budget, from the router's status (or the defaults when it does not name it).</summary>
internal sealed record SloClass(string Name, TimeSpan Budget);

/// <summary>One measured request.</summary>
/// <param name="Scheduled">When it was due, from the start of the run (open loop: the schedule; closed loop: when its caller was free).</param>
/// <param name="Sent">When it was actually started.</param>
/// <param name="Latency">From <paramref name="Scheduled"/> to its answer: queueing in the load tester counts, so a stall is not hidden.</param>
/// <param name="Variant">The variant that served it (empty for failures).</param>
/// <param name="Detail">The status message of a failure (empty when OK).</param>
internal readonly record struct RequestOutcome(
    TaskKind Task,
    string Slo,
    TimeSpan Scheduled,
    TimeSpan Sent,
    TimeSpan Latency,
    StatusCode Code,
    string Variant,
    bool InSlo,
    bool Measured,
    string Detail = "");
