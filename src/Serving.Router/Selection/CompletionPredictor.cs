namespace Serving.Router.Selection;

/// <summary>Predicts how long a request would take on one worker for one model version.</summary>
/// <remarks>
/// <para>The worker's instances are simulated from its last report. Let I be the instance count,
/// B the max batch size, A the requests ahead (queued at this priority level or a higher one, plus
/// what this router sent since the report) and S(n) the service time of a batch of n at the SLO's
/// percentile. Each instance frees when its in-flight batch ends: S(size) minus how long that batch
/// had run by now (at least a tenth of S(size), since a batch past its percentile is late, not done),
/// or S(B) from now when the worker does not say which batches run (conservative, as a p99 budget
/// should be); idle instances are free now.</para>
/// <para>The requests ahead are then taken in arrival order, up to B at a time, by the instance that
/// frees first, and this request runs alone on the first instance free after them. Prediction = the
/// time it starts + S(1) + the network allowance. It could often join the last batch ahead instead
/// (it is still waiting when this one arrives), which is faster on paper; measured, planning with
/// that packed more heavy requests into batches than the shared cores could serve in time (late
/// answers at 2x to 3x the heavy capacity), so the prediction keeps the separate batch, as a p99
/// budget should. Without measured service times there is no prediction.</para>
/// <para>The result is multiplied by the model's <see cref="ModelLoadSnapshot.Calibration"/>: how
/// much longer than predicted this router's recent calls took (other work on the same cores, which
/// the model's own percentiles do not show yet).</para>
/// </remarks>
internal static class CompletionPredictor
{
    /// <summary>Predicted time to the answer, or null when the worker has no service-time measurements for the model.</summary>
    /// <param name="load">The model's load on one worker.</param>
    /// <param name="priority">The request's priority level (1 = highest).</param>
    /// <param name="percentile">The SLO's percentile of the service time.</param>
    /// <param name="networkAllowance">Time to reach the worker and back.</param>
    /// <param name="now">The current time, to age the in-flight batches since the report; null counts them as of the report.</param>
    public static TimeSpan? Predict(ModelLoadSnapshot load, int priority, double percentile, TimeSpan networkAllowance, DateTimeOffset? now = null) =>
        PredictUncalibrated(load, priority, percentile, networkAllowance, now) * CalibrationOf(load);

    /// <summary>The factor <see cref="Predict"/> applies: the model's calibration, never below 1.</summary>
    public static double CalibrationOf(ModelLoadSnapshot load) => Math.Max(1, load.Calibration);

    /// <summary>The prediction from the worker's report alone, before <see cref="ModelLoadSnapshot.Calibration"/> (what calibration compares calls with).</summary>
    public static TimeSpan? PredictUncalibrated(ModelLoadSnapshot load, int priority, double percentile, TimeSpan networkAllowance, DateTimeOffset? now = null)
    {
        var batch = Math.Max(1, load.MaxBatchSize);
        var instances = Math.Max(1, load.InstanceCount);
        var fullBatch = load.ServiceTimes.Estimate(batch, percentile);
        if (fullBatch is null)
        {
            return null;
        }

        var profile = load.ServiceTimes;
        TimeSpan Service(int size) => profile.Estimate(size, percentile)!.Value;

        // When each instance frees, from now.
        Span<TimeSpan> free = instances <= 64 ? stackalloc TimeSpan[instances] : new TimeSpan[instances];
        free.Clear();
        if (!load.Running.IsDefaultOrEmpty)
        {
            var age = now is { } at && load.ReportedAt != default && at > load.ReportedAt ? at - load.ReportedAt : TimeSpan.Zero;
            for (var i = 0; i < Math.Min(instances, load.Running.Length); i++)
            {
                var running = load.Running[i];
                var total = Service(running.Size);
                var remaining = total - running.Elapsed - age;
                free[i] = remaining > total / 10 ? remaining : total / 10;
            }
        }
        else
        {
            for (var i = 0; i < Math.Min(instances, Math.Max(0, load.InFlightBatches)); i++)
            {
                free[i] = fullBatch.Value;
            }
        }

        var ahead = load.QueuedAtOrAbove(priority) + Math.Max(0, load.SentSinceReport);
        while (true)
        {
            var first = 0;
            for (var i = 1; i < free.Length; i++)
            {
                if (free[i] < free[first])
                {
                    first = i;
                }
            }

            var start = free[first];
            if (ahead == 0)
            {
                return start + Service(1) + networkAllowance;
            }

            var taken = Math.Min(ahead, batch);
            free[first] = start + Service(taken);
            ahead -= taken;
        }
    }
}
