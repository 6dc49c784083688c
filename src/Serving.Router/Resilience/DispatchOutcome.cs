using Serving.Router.Selection;

namespace Serving.Router.Resilience;

/// <summary>A successful dispatch: the response, the choice that produced it, and what it took.</summary>
/// <param name="Response">The worker's response.</param>
/// <param name="Choice">The variant and worker that answered.</param>
/// <param name="Attempts">Attempts started (first, retries and hedges).</param>
/// <param name="Hedged">Whether the hedging step sent a second attempt (after the hedge delay, or at once after a retryable failure).</param>
public sealed record DispatchOutcome<T>(T Response, VariantChoice Choice, int Attempts, bool Hedged);
