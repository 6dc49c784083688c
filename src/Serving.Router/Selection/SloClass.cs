namespace Serving.Router.Selection;

/// <summary>A named latency class: the budget a request gets when it carries no deadline, and the percentile to plan for.</summary>
/// <param name="Name">Class name as requests spell it (e.g. <c>interactive</c>).</param>
/// <param name="Budget">End-to-end latency budget, measured from when the router received the request.</param>
/// <param name="Percentile">Latency percentile the budget is about, in (0, 1) (e.g. 0.99 for p99); predictions use service times at this percentile.</param>
public sealed record SloClass(string Name, TimeSpan Budget, double Percentile);
