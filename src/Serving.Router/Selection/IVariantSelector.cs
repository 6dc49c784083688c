namespace Serving.Router.Selection;

/// <summary>A variant-selection policy: given a request and immutable snapshots of the cluster and catalogue, which variant on which worker.</summary>
public interface IVariantSelector
{
    /// <summary>Policy name (for configuration, metrics and benchmark reports).</summary>
    string Name { get; }

    /// <summary>Chooses a variant and worker for <paramref name="request"/>, or rejects it. Pure apart from the injected randomness.</summary>
    VariantChoice Select(SelectionRequest request, ClusterSnapshot cluster, CatalogSnapshot catalog, DateTimeOffset now);
}
