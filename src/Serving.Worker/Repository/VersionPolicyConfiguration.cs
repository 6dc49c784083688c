namespace Serving.Worker.Repository;

/// <summary>
/// Which versions of a model are served, as Triton's version policy: exactly one of
/// <c>{"latest": {"num_versions": n}}</c>, <c>{"all": {}}</c> or <c>{"specific": {"versions": [...]}}</c>.
/// </summary>
public sealed class VersionPolicyConfiguration
{
    /// <summary>Serve the highest-numbered versions.</summary>
    public LatestVersionPolicy? Latest { get; init; }

    /// <summary>Serve every version on disk.</summary>
    public AllVersionPolicy? All { get; init; }

    /// <summary>Serve the listed versions only.</summary>
    public SpecificVersionPolicy? Specific { get; init; }

    /// <summary>
    /// Applies the policy to the versions found on disk and returns the served ones, ascending.
    /// No policy given means latest 1, as in Triton. Listed versions missing on disk are skipped
    /// (the scanner reports them).
    /// </summary>
    public IReadOnlyList<long> Select(IEnumerable<long> available)
    {
        var sorted = available.Distinct().Order().ToArray();
        if (All is not null)
        {
            return sorted;
        }

        if (Specific is not null)
        {
            var wanted = Specific.Versions.ToHashSet();
            return sorted.Where(wanted.Contains).ToArray();
        }

        var count = Latest?.NumVersions ?? 1;
        return sorted.Skip(Math.Max(0, sorted.Length - count)).ToArray();
    }
}

/// <summary>Serve the <see cref="NumVersions"/> highest-numbered versions.</summary>
public sealed class LatestVersionPolicy
{
    /// <summary>How many versions; at least 1.</summary>
    public int NumVersions { get; init; } = 1;
}

/// <summary>Serve every version.</summary>
public sealed class AllVersionPolicy
{
}

/// <summary>Serve the listed versions.</summary>
public sealed class SpecificVersionPolicy
{
    /// <summary>Version numbers, each at least 1.</summary>
    public IReadOnlyList<long> Versions { get; init; } = [];
}
