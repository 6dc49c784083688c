namespace Serving.Router.Selection;

/// <summary>Configuration of one SLO class (bound from the <c>Router:SloClasses:&lt;name&gt;</c> section).</summary>
public sealed class SloClassSettings
{
    /// <summary>Latency budget in milliseconds.</summary>
    public double BudgetMs { get; set; }

    /// <summary>Percentile the budget applies to, in percent (e.g. 99 for p99, 50 for p50).</summary>
    public double Percentile { get; set; } = 99;
}
