namespace Serving.Router.Selection;

/// <summary>Creates selection policies by name (configuration, benchmarks).</summary>
public static class VariantSelectors
{
    /// <summary>Names accepted by <see cref="Create"/> (<c>fixed:&lt;variant&gt;</c> takes a variant name).</summary>
    public static IReadOnlyList<string> Names { get; } = ["slo-aware", "always-best", "always-cheapest", "fixed:<variant>"];

    /// <summary>The policy named <paramref name="name"/>: <c>slo-aware</c> (default), <c>always-best</c>, <c>always-cheapest</c> or <c>fixed:&lt;variant&gt;</c>.</summary>
    /// <param name="name">Policy name, case-insensitive (the variant after <c>fixed:</c> is kept as written).</param>
    /// <param name="options">Selector tuning; defaults when null.</param>
    /// <param name="randomFactory">Random sources for the power-of-two-choices picker; <see cref="Random.Shared"/> when null.</param>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static IVariantSelector Create(string name, SelectorOptions? options = null, IRandomFactory? randomFactory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        options ??= new SelectorOptions();
        randomFactory ??= SharedRandomFactory.Instance;
        const string fixedPrefix = "fixed:";
        if (name.StartsWith(fixedPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > fixedPrefix.Length)
        {
            return new FixedVariantSelector(name[fixedPrefix.Length..], options, randomFactory);
        }

        return name.ToLowerInvariant() switch
        {
            "slo-aware" => new SloAwareSelector(options, randomFactory),
            "always-best" => new AlwaysBestSelector(options, randomFactory),
            "always-cheapest" => new AlwaysCheapestSelector(options, randomFactory),
            _ => throw new ArgumentException($"Unknown selection policy '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
