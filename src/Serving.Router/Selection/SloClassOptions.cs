namespace Serving.Router.Selection;

/// <summary>The SLO classes the router offers and the default one.</summary>
public sealed class SloClassOptions
{
    /// <summary>Classes by name (case-insensitive).</summary>
    public Dictionary<string, SloClassSettings> Classes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Class used when a request names none.</summary>
    public string DefaultClass { get; set; } = "standard";

    /// <summary>interactive 100 ms p99, standard 500 ms p99 (default), batch 10 s p50.</summary>
    public static SloClassOptions CreateDefault() => new()
    {
        Classes = new(StringComparer.OrdinalIgnoreCase)
        {
            ["interactive"] = new() { BudgetMs = 100, Percentile = 99 },
            ["standard"] = new() { BudgetMs = 500, Percentile = 99 },
            ["batch"] = new() { BudgetMs = 10_000, Percentile = 50 },
        },
        DefaultClass = "standard",
    };
}
