using Serving.Router.Balancing;

namespace Serving.Router.Selection;

/// <summary>The chosen worker for one variant: a predicted one, else (best effort only) one without measurements.</summary>
/// <param name="Predicted">The picked worker among those with a prediction; null when none has one.</param>
/// <param name="Unprofiled">A routable worker without service-time measurements, used only when nothing is predictable.</param>
internal readonly record struct VariantPlacement(WorkerCandidate? Predicted, string? Unprofiled)
{
    public bool HasWorker => Predicted is not null || Unprofiled is not null;
}

/// <summary>Shared steps of the policies: which variants are allowed and where each would run.</summary>
internal static class VariantEvaluator
{
    /// <summary>Whether the catalogue lets <paramref name="variant"/> answer (synthetic ones only when allowed).</summary>
    public static bool IsAllowed(VariantInfo variant, CatalogSnapshot catalog) => !variant.Synthetic || catalog.AllowSynthetic;

    /// <summary>Where <paramref name="variant"/> would run: predictions for every routable, non-excluded worker, then the picker.</summary>
    public static VariantPlacement Place(
        VariantInfo variant,
        SelectionRequest request,
        ClusterSnapshot cluster,
        SelectorOptions options,
        Random random,
        DateTimeOffset now)
    {
        List<WorkerCandidate>? candidates = null;
        string? unprofiled = null;
        foreach (var (worker, load) in cluster.RoutableFor(variant.Name))
        {
            if (request.ExcludedWorkers.Contains(worker.Id))
            {
                continue;
            }

            var plain = CompletionPredictor.PredictUncalibrated(load, request.Priority, request.Slo.Percentile, options.NetworkAllowance, now);
            if (plain is null)
            {
                unprofiled ??= worker.Id;
                continue;
            }

            var calibration = CompletionPredictor.CalibrationOf(load);
            (candidates ??= []).Add(new WorkerCandidate(worker.Id, plain.Value * calibration, calibration > 1 ? plain.Value : null));
        }

        var pick = candidates is null ? null : WorkerPicker.Pick(candidates, random, options.PowerOfTwoThreshold);
        return new VariantPlacement(pick, unprofiled);
    }

    /// <summary>
    /// The chance that <paramref name="variant"/> on <paramref name="worker"/> answers after the
    /// deadline <paramref name="remaining"/> away (<see cref="MissRisk"/> over its calibrated p50 and
    /// p99 predictions); 1 when the worker has no prediction for it.
    /// </summary>
    public static double MissChance(
        VariantInfo variant,
        string worker,
        SelectionRequest request,
        ClusterSnapshot cluster,
        SelectorOptions options,
        DateTimeOffset now,
        TimeSpan remaining)
    {
        foreach (var (candidate, load) in cluster.RoutableFor(variant.Name))
        {
            if (candidate.Id != worker)
            {
                continue;
            }

            var median = CompletionPredictor.Predict(load, request.Priority, 0.5, options.NetworkAllowance, now);
            var p99 = CompletionPredictor.Predict(load, request.Priority, 0.99, options.NetworkAllowance, now);
            return median is { } m && p99 is { } p ? MissRisk.Estimate(m, p, remaining) : 1;
        }

        return 1;
    }

    /// <summary>A use of <paramref name="variant"/> at <paramref name="placement"/> (which must have a worker).</summary>
    public static VariantChoice Use(VariantInfo variant, VariantPlacement placement, string reason) =>
        placement.Predicted is { } pick
            ? VariantChoice.Use(variant, pick.Worker, pick.Predicted, reason)
            : VariantChoice.Use(variant, placement.Unprofiled!, TimeSpan.MaxValue, reason);
}
