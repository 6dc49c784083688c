namespace Serving.Router.Selection;

/// <summary>What a selector needs to know about one request.</summary>
/// <param name="Task">Task name in the catalogue (e.g. <c>face-embedding</c>).</param>
/// <param name="Slo">The request's SLO class (its percentile is the one predictions use).</param>
/// <param name="Deadline">Absolute time the answer is due: the gRPC deadline when present, else receipt + the class budget.</param>
public sealed record SelectionRequest(string Task, SloClass Slo, DateTimeOffset Deadline)
{
    /// <summary>Lowest acceptable catalogue quality; 0 = any.</summary>
    public double MinQuality { get; init; }

    /// <summary>Only variants of lower quality than this (a rescue after the first choice ran late); null = no ceiling.</summary>
    public double? QualityCeiling { get; init; }

    /// <summary>
    /// Whether a late answer would be rescued by a cheaper variant (the router's rescue applies to
    /// this request): missing the deadline then costs the quality difference to the cheapest
    /// variant rather than the whole answer, which is what <see cref="SelectorOptions.WeighMissRisk"/> weighs.
    /// </summary>
    public bool LateAnswerRescued { get; init; }

    /// <summary>Variant the caller insists on; null = the selector chooses.</summary>
    public string? PinnedVariant { get; init; }

    /// <summary>Serve with the fastest option rather than reject when nothing fits the budget.</summary>
    public bool BestEffort { get; init; }

    /// <summary>Priority level, 1 = highest; requests queued at this level or a higher one are ahead of it.</summary>
    public int Priority { get; init; } = 1;

    /// <summary>Workers not to use (tried already by this request, or with an open circuit breaker).</summary>
    public IReadOnlySet<string> ExcludedWorkers { get; init; } = EmptySet;

    private static readonly IReadOnlySet<string> EmptySet = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Builds a request whose budget is the gRPC deadline when there is one, else the class budget from <paramref name="receivedAt"/>.</summary>
    public static SelectionRequest Create(string task, SloClass slo, DateTimeOffset receivedAt, DateTimeOffset? grpcDeadline) =>
        new(task, slo, grpcDeadline ?? receivedAt + slo.Budget);
}
