using Serving.Router.Selection;

namespace Serving.Router.Tasks;

/// <summary>Holds the catalogue the router selects from (replaced atomically, read lock-free).</summary>
public sealed class RouterCatalog(CatalogSnapshot initial)
{
    private CatalogSnapshot _current = initial ?? throw new ArgumentNullException(nameof(initial));

    /// <summary>The catalogue now.</summary>
    public CatalogSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Replaces the catalogue (e.g. after the repository changed).</summary>
    public void Replace(CatalogSnapshot catalog) => Volatile.Write(ref _current, catalog ?? throw new ArgumentNullException(nameof(catalog)));
}
