namespace Serving.Router.Selection;

/// <summary>Predicts how long a request would take on one worker for one model version.</summary>
/// <remarks>
/// Let A be the requests ahead of this one (queued at its priority level or a higher one, plus
/// what this router sent since the report), B the max batch size, I the instance count, F the
/// in-flight batches and S(n) the service time of a batch of n at the SLO's percentile.
/// Queued requests that do not fill a batch have not been sent yet and will go out together with
/// this one, so the batches that must finish first are F in flight plus floor(A / B) full ones;
/// this request then rides in a batch of (A mod B) + 1, costing S((A mod B) + 1). An in-flight
/// batch is costed at the largest batch size the worker has measured (at most B): its real size
/// is not reported, and taking B for it would turn every busy batching worker into a predicted miss.
/// With I instances the first W − (I − 1) of the W batches ahead must finish before one is free, so
/// the wait is their mean cost × max(0, W − I + 1) / I (in-flight batches are assumed to have just
/// started: conservative, as a p99 budget should be). Prediction = wait + own batch + the network
/// allowance. Without measured service times there is no prediction.
/// </remarks>
internal static class CompletionPredictor
{
    /// <summary>Predicted time to the answer, or null when the worker has no service-time measurements for the model.</summary>
    public static TimeSpan? Predict(ModelLoadSnapshot load, int priority, double percentile, TimeSpan networkAllowance)
    {
        var batch = Math.Max(1, load.MaxBatchSize);
        var instances = Math.Max(1, load.InstanceCount);
        var ahead = load.QueuedAtOrAbove(priority) + Math.Max(0, load.SentSinceReport);
        var profile = load.ServiceTimes;
        var fullBatch = profile.Estimate(batch, percentile);
        var joined = profile.Estimate((ahead % batch) + 1, percentile);
        if (fullBatch is null || joined is null)
        {
            return null;
        }

        var inFlightSize = Math.Min(batch, profile.Points[^1].BatchSize);
        var inFlightBatch = profile.Estimate(inFlightSize, percentile)!.Value;
        var inFlight = Math.Max(0, load.InFlightBatches);
        var fullAhead = ahead / batch;
        var workAhead = inFlight + fullAhead;
        var waitBatches = Math.Max(0, workAhead - instances + 1);
        if (waitBatches == 0)
        {
            return joined.Value + networkAllowance;
        }

        var meanBatch = ((inFlightBatch * inFlight) + (fullBatch.Value * fullAhead)) / workAhead;
        var wait = meanBatch * ((double)waitBatches / instances);
        return wait + joined.Value + networkAllowance;
    }
}
