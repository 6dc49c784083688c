namespace Serving.Router.Selection;

/// <summary>Predicts how long a request would take on one worker for one model version.</summary>
/// <remarks>
/// Let A be the requests ahead of this one (queued at its priority level or a higher one, plus
/// what this router sent since the report), B the max batch size, I the instance count, F the
/// in-flight batches and S(n) the service time of a batch of n at the SLO's percentile.
/// Work ahead is W = F + ceil(A / B) batches. With I instances the first W − (I − 1) of them must
/// finish before one is free, so the queue wait is S(B) × max(0, W − I + 1) / I (in-flight batches
/// are assumed to have just started: conservative, as a p99 budget should be). The request then
/// joins a batch of (A mod B) + 1 requests, costing S((A mod B) + 1). Prediction = wait + that
/// service time + the network allowance. Without measured service times there is no prediction.
/// </remarks>
internal static class CompletionPredictor
{
    /// <summary>Predicted time to the answer, or null when the worker has no service-time measurements for the model.</summary>
    public static TimeSpan? Predict(ModelLoadSnapshot load, int priority, double percentile, TimeSpan networkAllowance)
    {
        var batch = Math.Max(1, load.MaxBatchSize);
        var instances = Math.Max(1, load.InstanceCount);
        var ahead = load.QueuedAtOrAbove(priority) + Math.Max(0, load.SentSinceReport);
        var fullBatch = load.ServiceTimes.Estimate(batch, percentile);
        var joined = load.ServiceTimes.Estimate((ahead % batch) + 1, percentile);
        if (fullBatch is null || joined is null)
        {
            return null;
        }

        var workAhead = Math.Max(0, load.InFlightBatches) + ((ahead + batch - 1) / batch);
        var waitBatches = Math.Max(0, workAhead - instances + 1);
        var wait = fullBatch.Value * ((double)waitBatches / instances);
        return wait + joined.Value + networkAllowance;
    }
}
