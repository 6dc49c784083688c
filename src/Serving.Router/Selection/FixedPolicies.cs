using Serving.Grpc;

namespace Serving.Router.Selection;

/// <summary>Budget-blind policies for benchmarks: they pick a variant by a fixed rule and the worker by least predicted completion.</summary>
/// <remarks>
/// They honour the catalogue's synthetic rule and the request's minimum quality but ignore the
/// budget and pinning: they exist to show what SLO-aware selection buys over "always the best
/// model", "always the cheapest model" and "one model".
/// </remarks>
internal abstract class FixedRuleSelector(SelectorOptions options, IRandomFactory randomFactory) : IVariantSelector
{
    public abstract string Name { get; }

    protected abstract string Reason { get; }

    public VariantChoice Select(SelectionRequest request, ClusterSnapshot cluster, CatalogSnapshot catalog, DateTimeOffset now)
    {
        var variants = catalog.VariantsOf(request.Task);
        if (variants.IsEmpty)
        {
            return VariantChoice.Reject(StatusCode.NotFound, SelectionReasons.UnknownTask);
        }

        var eligible = variants.Where(v => VariantEvaluator.IsAllowed(v, catalog) && v.Quality >= request.MinQuality).ToList();
        var variant = Choose(eligible);
        if (variant is null)
        {
            return VariantChoice.Reject(StatusCode.FailedPrecondition, NoVariantReason);
        }

        var placement = VariantEvaluator.Place(variant, request, cluster, options, randomFactory.Create(), now);
        return placement.HasWorker
            ? VariantEvaluator.Use(variant, placement, Reason)
            : VariantChoice.Reject(StatusCode.Unavailable, SelectionReasons.NoReadyWorker);
    }

    protected virtual string NoVariantReason => SelectionReasons.BelowMinQuality;

    /// <summary>The variant to use among the eligible ones (best quality first), or null.</summary>
    protected abstract VariantInfo? Choose(IReadOnlyList<VariantInfo> eligible);
}

/// <summary>Always the best-quality eligible variant.</summary>
internal sealed class AlwaysBestSelector(SelectorOptions options, IRandomFactory randomFactory) : FixedRuleSelector(options, randomFactory)
{
    public override string Name => "always-best";

    protected override string Reason => SelectionReasons.AlwaysBest;

    protected override VariantInfo? Choose(IReadOnlyList<VariantInfo> eligible) => eligible.Count == 0 ? null : eligible[0];
}

/// <summary>Always the eligible variant of least cost (ties: the lower quality).</summary>
internal sealed class AlwaysCheapestSelector(SelectorOptions options, IRandomFactory randomFactory) : FixedRuleSelector(options, randomFactory)
{
    public override string Name => "always-cheapest";

    protected override string Reason => SelectionReasons.AlwaysCheapest;

    protected override VariantInfo? Choose(IReadOnlyList<VariantInfo> eligible) =>
        eligible.OrderBy(v => v.Cost).ThenBy(v => v.Quality).FirstOrDefault();
}

/// <summary>Always one named variant.</summary>
internal sealed class FixedVariantSelector(string variant, SelectorOptions options, IRandomFactory randomFactory) : FixedRuleSelector(options, randomFactory)
{
    public override string Name => "fixed:" + variant;

    protected override string Reason => SelectionReasons.Fixed;

    protected override string NoVariantReason => $"{SelectionReasons.UnknownVariant}:{variant}";

    protected override VariantInfo? Choose(IReadOnlyList<VariantInfo> eligible) =>
        eligible.FirstOrDefault(v => string.Equals(v.Name, variant, StringComparison.Ordinal));
}
