using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Serving.Router.Selection;

/// <summary>An immutable view of the model catalogue: variants per task, best quality first.</summary>
public sealed class CatalogSnapshot
{
    private readonly FrozenDictionary<string, ImmutableArray<VariantInfo>> _byTask;
    private readonly FrozenDictionary<string, VariantInfo> _byName;

    /// <param name="variants">Every variant; names must be unique.</param>
    /// <param name="allowSynthetic">Whether synthetic variants may answer requests.</param>
    public CatalogSnapshot(IEnumerable<VariantInfo> variants, bool allowSynthetic = false)
    {
        ArgumentNullException.ThrowIfNull(variants);
        var all = variants.ToArray();
        var duplicate = all.GroupBy(v => v.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Variant '{duplicate.Key}' is listed more than once.", nameof(variants));
        }

        AllowSynthetic = allowSynthetic;
        _byName = all.ToFrozenDictionary(v => v.Name, StringComparer.Ordinal);
        _byTask = all
            .GroupBy(v => v.Task, StringComparer.Ordinal)
            .ToFrozenDictionary(
                g => g.Key,
                g => g.OrderByDescending(v => v.Quality).ThenBy(v => v.Name, StringComparer.Ordinal).ToImmutableArray(),
                StringComparer.Ordinal);
    }

    /// <summary>A catalogue with no variants.</summary>
    public static CatalogSnapshot Empty { get; } = new([]);

    /// <summary>Whether synthetic variants may answer requests.</summary>
    public bool AllowSynthetic { get; }

    /// <summary>Task names.</summary>
    public IEnumerable<string> Tasks => _byTask.Keys;

    /// <summary>Variants of <paramref name="task"/>, best quality first (ties by name); empty for an unknown task.</summary>
    public ImmutableArray<VariantInfo> VariantsOf(string task) =>
        _byTask.TryGetValue(task, out var variants) ? variants : [];

    /// <summary>The variant named <paramref name="name"/>, or null.</summary>
    public VariantInfo? Find(string name) => _byName.GetValueOrDefault(name);
}
