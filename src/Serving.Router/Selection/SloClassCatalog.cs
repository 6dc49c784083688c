using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Serving.Router.Selection;

/// <summary>The validated, immutable set of SLO classes.</summary>
public sealed class SloClassCatalog
{
    private readonly FrozenDictionary<string, SloClass> _classes;

    private SloClassCatalog(FrozenDictionary<string, SloClass> classes, SloClass defaultClass)
    {
        _classes = classes;
        Default = defaultClass;
    }

    /// <summary>The class of requests that name none.</summary>
    public SloClass Default { get; }

    /// <summary>All classes.</summary>
    public IEnumerable<SloClass> Classes => _classes.Values;

    /// <summary>Validates <paramref name="options"/>, collecting every error rather than stopping at the first.</summary>
    /// <returns>The catalogue, or null with <paramref name="errors"/> listing what is wrong.</returns>
    public static SloClassCatalog? TryCreate(SloClassOptions options, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var classes = new Dictionary<string, SloClass>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, settings) in options.Classes)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                problems.Add("An SLO class has an empty name.");
                continue;
            }

            if (!(settings.BudgetMs > 0) || double.IsInfinity(settings.BudgetMs))
            {
                problems.Add($"SLO class '{name}': budget must be a positive number of milliseconds (got {settings.BudgetMs}).");
            }

            if (!(settings.Percentile > 0 && settings.Percentile < 100))
            {
                problems.Add($"SLO class '{name}': percentile must lie in (0, 100) (got {settings.Percentile}).");
            }

            classes[name] = new SloClass(name, TimeSpan.FromMilliseconds(Math.Max(0, settings.BudgetMs)), settings.Percentile / 100);
        }

        if (classes.Count == 0)
        {
            problems.Add("At least one SLO class is required.");
        }

        if (!classes.TryGetValue(options.DefaultClass ?? string.Empty, out var defaultClass))
        {
            problems.Add($"The default SLO class '{options.DefaultClass}' is not defined.");
        }

        errors = problems;
        return problems.Count == 0 ? new SloClassCatalog(classes.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), defaultClass!) : null;
    }

    /// <summary>Like <see cref="TryCreate"/>, throwing one exception that lists every error.</summary>
    public static SloClassCatalog Create(SloClassOptions options) =>
        TryCreate(options, out var errors) ?? throw new InvalidOperationException("Invalid SLO classes: " + string.Join(" ", errors));

    /// <summary>The class named <paramref name="name"/>, or the default for an empty name.</summary>
    public bool TryResolve(string? name, [NotNullWhen(true)] out SloClass? slo)
    {
        if (string.IsNullOrEmpty(name))
        {
            slo = Default;
            return true;
        }

        return _classes.TryGetValue(name, out slo);
    }
}
