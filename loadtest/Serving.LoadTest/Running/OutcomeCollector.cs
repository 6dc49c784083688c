using Serving.Grpc;
using Serving.LoadTest.Measurement;

namespace Serving.LoadTest.Running;

/// <summary>What the live progress shows.</summary>
public readonly record struct ProgressSnapshot(
    string Phase, TimeSpan Elapsed, TimeSpan Total, long Sent, long Completed, long Ok, long InSlo, long InFlight, double P50Ms, double P99Ms);

/// <summary>Collects outcomes from concurrent requests; all state under one short lock.</summary>
internal sealed class OutcomeCollector
{
    private readonly Lock _lock = new();
    private readonly List<RequestOutcome> _outcomes = [];
    private readonly LatencyHistogram _okLatency = new();
    private long _sent;
    private long _completed;
    private long _ok;
    private long _inSlo;

    public void Started()
    {
        lock (_lock)
        {
            _sent++;
        }
    }

    public void Record(in RequestOutcome outcome)
    {
        lock (_lock)
        {
            _completed++;
            if (!outcome.Measured)
            {
                return;
            }

            _outcomes.Add(outcome);
            if (outcome.Code == StatusCode.OK)
            {
                _ok++;
                _okLatency.Record(outcome.Latency);
            }

            if (outcome.InSlo)
            {
                _inSlo++;
            }
        }
    }

    public IReadOnlyList<RequestOutcome> Outcomes()
    {
        lock (_lock)
        {
            return _outcomes.ToArray();
        }
    }

    public ProgressSnapshot Snapshot(string phase, TimeSpan elapsed, TimeSpan total)
    {
        lock (_lock)
        {
            return new ProgressSnapshot(phase, elapsed, total, _sent, _completed, _ok, _inSlo, _sent - _completed,
                _okLatency.QuantileMillis(0.5), _okLatency.QuantileMillis(0.99));
        }
    }
}
