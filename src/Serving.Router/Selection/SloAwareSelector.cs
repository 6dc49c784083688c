using Serving.Grpc;

namespace Serving.Router.Selection;

/// <summary>Per request, the best-quality variant whose predicted completion on its best worker fits the remaining budget (DESIGN §4).</summary>
/// <remarks>
/// <para>Candidates are the task's variants best quality first, minus synthetic ones (unless the
/// catalogue allows them) and those below the request's minimum quality. For each candidate the
/// worker is picked by least predicted completion (<see cref="CompletionPredictor"/>, power of two
/// choices above a few workers) among reachable workers reporting it ready, minus excluded ones.
/// The first quality level with a variant whose prediction fits the remaining budget (less the
/// <see cref="SelectorOptions.Headroom"/> reserve) wins; among
/// equal-quality variants that fit, the least predicted completion.</para>
/// <para>Unless <see cref="SelectorOptions.WeighMissRisk"/> is off, a fitting variant still yields
/// to a lower-quality one that also fits when the lower one's expected quality is higher: quality ×
/// (1 − the chance of missing the deadline, <see cref="MissRisk"/>), since a late answer is worth
/// nothing. Variants whose qualities differ by a hair then go to the better one only when it is
/// nearly certain to make it (reason <c>lower_risk</c> otherwise); a large quality gap still takes
/// the better variant whenever it fits at the class's percentile. When the router would rescue a
/// late answer (<see cref="SelectionRequest.LateAnswerRescued"/>) a miss costs only the step down
/// to the cheapest variant: quality − chance × (quality − the cheapest's quality).</para>
/// <para>Nothing fits: when the fastest option of all (prediction ties go to the cheaper,
/// lower-quality variant) still fits the whole remaining budget by the worker's own numbers
/// (without the reserve and without calibration), it runs (<c>in_reserve</c>): the reserve and the
/// calibration are there to choose cheaper variants earlier, not to refuse requests the worker's
/// report says can make it. Otherwise best-effort requests get that fastest option; others are
/// rejected at once with RESOURCE_EXHAUSTED
/// <c>slo_unattainable</c>, because a fast rejection lets the caller degrade or retry elsewhere
/// while a late answer is useless. A pinned variant is the only candidate; when it cannot fit the
/// reason names it. Workers without service-time measurements are never predicted to fit; they
/// serve best-effort requests only when no worker is measured.</para>
/// </remarks>
internal sealed class SloAwareSelector(SelectorOptions options, IRandomFactory randomFactory) : IVariantSelector
{
    public string Name => "slo-aware";

    public VariantChoice Select(SelectionRequest request, ClusterSnapshot cluster, CatalogSnapshot catalog, DateTimeOffset now)
    {
        var variants = catalog.VariantsOf(request.Task);
        if (variants.IsEmpty)
        {
            return VariantChoice.Reject(StatusCode.NotFound, SelectionReasons.UnknownTask);
        }

        if (!string.IsNullOrEmpty(request.PinnedVariant))
        {
            return SelectPinned(request, cluster, catalog, now, request.PinnedVariant);
        }

        var allowed = variants.Where(v => VariantEvaluator.IsAllowed(v, catalog)).ToList();
        if (allowed.Count == 0)
        {
            return VariantChoice.Reject(StatusCode.FailedPrecondition, SelectionReasons.SyntheticNotAllowed);
        }

        var eligible = allowed.Where(v => v.Quality >= request.MinQuality).ToList();
        if (eligible.Count == 0)
        {
            return VariantChoice.Reject(StatusCode.FailedPrecondition, SelectionReasons.BelowMinQuality);
        }

        if (request.QualityCeiling is { } ceiling)
        {
            eligible.RemoveAll(v => v.Quality >= ceiling);
            if (eligible.Count == 0)
            {
                return VariantChoice.Reject(StatusCode.ResourceExhausted, SelectionReasons.SloUnattainable);
            }
        }

        var remaining = request.Deadline - now;
        if (remaining <= TimeSpan.Zero)
        {
            return VariantChoice.Reject(StatusCode.DeadlineExceeded, SelectionReasons.DeadlinePassed);
        }

        var usable = options.Usable(remaining);
        var random = randomFactory.Create();
        (VariantInfo Variant, VariantPlacement Placement)? fastest = null;
        (VariantInfo Variant, VariantPlacement Placement)? unprofiledOnly = null;
        (VariantInfo Variant, VariantPlacement Placement)? best = null;
        var bestValue = 0.0;
        var lowerRisk = false;
        for (var level = 0; level < eligible.Count;)
        {
            (VariantInfo Variant, VariantPlacement Placement)? fit = null;
            var quality = eligible[level].Quality;
            if (best is not null && quality <= bestValue)
            {
                // Expected quality never exceeds quality: no lower level can beat the best so far.
                break;
            }

            for (; level < eligible.Count && eligible[level].Quality == quality; level++)
            {
                var variant = eligible[level];
                var placement = VariantEvaluator.Place(variant, request, cluster, options, random, now);
                if (placement.Predicted is not { } pick)
                {
                    if (placement.Unprofiled is not null)
                    {
                        unprofiledOnly ??= (variant, placement);
                    }

                    continue;
                }

                // Best quality first, so "<=" hands prediction ties to the cheaper variant.
                if (fastest is null || pick.Predicted <= fastest.Value.Placement.Predicted!.Value.Predicted)
                {
                    fastest = (variant, placement);
                }

                if (pick.Predicted <= usable && (fit is null || pick.Predicted < fit.Value.Placement.Predicted!.Value.Predicted))
                {
                    fit = (variant, placement);
                }
            }

            if (fit is { } chosen)
            {
                var risk = options.WeighMissRisk
                    ? VariantEvaluator.MissChance(chosen.Variant, chosen.Placement.Predicted!.Value.Worker, request, cluster, options, now, remaining)
                    : 0;
                // A miss loses the answer, or with a rescue only the step down to the cheapest variant.
                var loss = request.LateAnswerRescued ? quality - eligible[^1].Quality : Math.Abs(quality);
                var value = quality - (loss * risk);
                if (best is null || value > bestValue)
                {
                    lowerRisk = best is not null;
                    best = chosen;
                    bestValue = value;
                }
            }
        }

        if (best is { } winner)
        {
            return VariantEvaluator.Use(winner.Variant, winner.Placement, lowerRisk ? SelectionReasons.LowerRisk : SelectionReasons.BestFit);
        }

        var fallback = fastest ?? unprofiledOnly;
        if (fallback is null)
        {
            return VariantChoice.Reject(StatusCode.Unavailable, SelectionReasons.NoReadyWorker);
        }

        if (fallback.Value.Placement.Predicted is { } inReserve && inReserve.Plain <= remaining)
        {
            return VariantEvaluator.Use(fallback.Value.Variant, fallback.Value.Placement, SelectionReasons.InReserve);
        }

        if (request.BestEffort)
        {
            return VariantEvaluator.Use(fallback.Value.Variant, fallback.Value.Placement, SelectionReasons.BestEffort);
        }

        return fallback.Value.Placement.Predicted is { } fastestPick
            ? VariantChoice.Reject(StatusCode.ResourceExhausted, SelectionReasons.SloUnattainable, fallback.Value.Variant, fastestPick.Worker, fastestPick.Predicted)
            : VariantChoice.Reject(StatusCode.ResourceExhausted, SelectionReasons.SloUnattainable);
    }

    private VariantChoice SelectPinned(SelectionRequest request, ClusterSnapshot cluster, CatalogSnapshot catalog, DateTimeOffset now, string pinned)
    {
        var variant = catalog.Find(pinned);
        if (variant is null || variant.Task != request.Task)
        {
            return VariantChoice.Reject(StatusCode.NotFound, $"{SelectionReasons.UnknownVariant}:{pinned}");
        }

        if (!VariantEvaluator.IsAllowed(variant, catalog))
        {
            return VariantChoice.Reject(StatusCode.FailedPrecondition, $"{SelectionReasons.SyntheticNotAllowed}:{pinned}");
        }

        if (variant.Quality < request.MinQuality)
        {
            return VariantChoice.Reject(StatusCode.FailedPrecondition, $"{SelectionReasons.BelowMinQuality}:{pinned}");
        }

        var remaining = request.Deadline - now;
        if (remaining <= TimeSpan.Zero)
        {
            return VariantChoice.Reject(StatusCode.DeadlineExceeded, SelectionReasons.DeadlinePassed);
        }

        var placement = VariantEvaluator.Place(variant, request, cluster, options, randomFactory.Create(), now);
        if (!placement.HasWorker)
        {
            return VariantChoice.Reject(StatusCode.Unavailable, $"{SelectionReasons.NoReadyWorker}:{pinned}");
        }

        // The reserve and calibration only steer the choice among variants; a pinned variant has no alternative.
        if (placement.Predicted is { } pick && pick.Plain <= remaining)
        {
            return VariantChoice.Use(variant, pick.Worker, pick.Predicted, SelectionReasons.Pinned);
        }

        if (request.BestEffort)
        {
            return VariantEvaluator.Use(variant, placement, SelectionReasons.BestEffort);
        }

        return placement.Predicted is { } slowest
            ? VariantChoice.Reject(StatusCode.ResourceExhausted, $"{SelectionReasons.SloUnattainable}:{pinned}", variant, slowest.Worker, slowest.Predicted)
            : VariantChoice.Reject(StatusCode.ResourceExhausted, $"{SelectionReasons.SloUnattainable}:{pinned}");
    }
}
