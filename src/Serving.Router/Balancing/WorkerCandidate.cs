namespace Serving.Router.Balancing;

/// <summary>A worker that can serve a variant, with its predicted completion time.</summary>
/// <param name="Worker">The worker.</param>
/// <param name="Predicted">The predicted completion, calibrated (what the choice among variants and workers uses).</param>
/// <param name="Uncalibrated">The prediction from the worker's report alone (what decides a rejection); null when the same as <paramref name="Predicted"/>.</param>
public readonly record struct WorkerCandidate(string Worker, TimeSpan Predicted, TimeSpan? Uncalibrated = null)
{
    /// <summary>The prediction from the worker's report alone.</summary>
    public TimeSpan Plain => Uncalibrated ?? Predicted;
}
