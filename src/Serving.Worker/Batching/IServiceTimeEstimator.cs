namespace Serving.Worker.Batching;

/// <summary>Predicts how long the model takes to execute a batch of a given size.</summary>
/// <remarks>
/// The batcher asks before every decision, so implementations answer from precomputed state
/// (e.g. the measured p99 of <see cref="Statistics.ServiceTimeRecorder"/>) and must be cheap and
/// thread-safe. An estimate that is too low makes the batcher wait too long and miss deadlines;
/// one that is too high sends smaller batches earlier; so a high percentile is the safe choice.
/// </remarks>
public interface IServiceTimeEstimator
{
    /// <summary>The expected execution time of a batch of <paramref name="batchSize"/> (at least 1).</summary>
    TimeSpan Estimate(int batchSize);

    /// <summary>
    /// The typical (median) execution time of a batch of <paramref name="batchSize"/>: what decides
    /// whether a request can still make its deadline at all, where <see cref="Estimate"/> decides
    /// how long to wait. Defaults to <see cref="Estimate"/>.
    /// </summary>
    TimeSpan EstimateTypical(int batchSize) => Estimate(batchSize);
}
