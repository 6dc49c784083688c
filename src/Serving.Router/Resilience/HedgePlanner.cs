using Serving.Router.Selection;

namespace Serving.Router.Resilience;

/// <summary>When to send a second copy of a request to another worker.</summary>
/// <remarks>
/// After the p95 of the chosen worker's predicted completion (<see cref="CompletionPredictor"/> at
/// the 95th percentile): by then 19 of 20 requests have answered, so hedging costs about 5% extra
/// load and cuts the tail a stalled or slow worker causes. Only when the budget allows: a hedge
/// sent at that delay must itself be predicted to finish before the deadline, on the best other
/// worker hosting the variant; otherwise no hedge (it would only add load). Both use the workers'
/// reports alone, not the router's calibration (<see cref="ModelLoadSnapshot.Calibration"/>): a
/// factor at the p99 of past slowdowns would delay the hedge past the p95 it is meant to fire at
/// and call hedges infeasible that a stalled worker's requests need.
/// </remarks>
internal static class HedgePlanner
{
    private const double HedgePercentile = 0.95;

    /// <summary>The hedge delay for <paramref name="choice"/>, or null for no hedge.</summary>
    public static TimeSpan? Plan(VariantChoice choice, SelectionRequest request, ClusterSnapshot cluster, SelectorOptions options, DateTimeOffset now)
    {
        if (choice.IsRejected)
        {
            return null;
        }

        var model = choice.Variant!.Name;
        TimeSpan? delay = null;
        TimeSpan? bestOther = null;
        foreach (var (worker, load) in cluster.RoutableFor(model))
        {
            var p95 = CompletionPredictor.PredictUncalibrated(load, request.Priority, HedgePercentile, options.NetworkAllowance, now);
            if (p95 is null)
            {
                continue;
            }

            if (worker.Id == choice.Worker)
            {
                delay = p95;
            }
            else if (!request.ExcludedWorkers.Contains(worker.Id) && (bestOther is null || p95 < bestOther))
            {
                bestOther = p95;
            }
        }

        if (delay is null || bestOther is null)
        {
            return null;
        }

        return now + delay.Value + bestOther.Value <= request.Deadline ? delay : null;
    }
}
