using Serving.Grpc;
using Serving.Router.Selection;
using Serving.Router.Tests.Infrastructure;
using static Serving.Router.Tests.Infrastructure.Snapshots;

namespace Serving.Router.Tests.Selection;

public sealed class FixedPoliciesTests
{
    private const string Task = "person-segmentation";

    private static readonly CatalogSnapshot Catalog = new(
    [
        new VariantInfo("isnet", Task, 0.91) { Cost = 300 },
        new VariantInfo("selfie", Task, 0.87) { Cost = 0.3 },
        new VariantInfo("dynroute", Task, 0.95, Synthetic: true) { Cost = 0.1 },
    ]);

    private static readonly ClusterSnapshot Cluster = Cluster(
        Worker("w1", Load("isnet", p99Ms: 1300, queued: 5), Load("selfie", p99Ms: 4), Load("dynroute", p99Ms: 2)),
        Worker("w2", Load("isnet", p99Ms: 1300), Load("selfie", p99Ms: 4, queued: 3)));

    private static readonly SelectorOptions Options = new();

    [Fact]
    public void AlwaysBest_IgnoresTheBudget_UsesBestAllowedVariantOnLeastLoadedWorker()
    {
        var choice = new AlwaysBestSelector(Options, new SeededRandomFactory()).Select(Request(Task, Interactive), Cluster, Catalog, Now);

        Assert.Equal(("isnet", "w2", SelectionReasons.AlwaysBest), (choice.Variant?.Name, choice.Worker, choice.Reason));
    }

    [Fact]
    public void AlwaysCheapest_UsesLeastCostAllowedVariant()
    {
        var choice = new AlwaysCheapestSelector(Options, new SeededRandomFactory()).Select(Request(Task, Batch), Cluster, Catalog, Now);

        Assert.Equal(("selfie", "w1", SelectionReasons.AlwaysCheapest), (choice.Variant?.Name, choice.Worker, choice.Reason));
    }

    [Fact]
    public void Fixed_UsesTheNamedVariant()
    {
        var selector = new FixedVariantSelector("selfie", Options, new SeededRandomFactory());

        var choice = selector.Select(Request(Task, Batch), Cluster, Catalog, Now);

        Assert.Equal("fixed:selfie", selector.Name);
        Assert.Equal(("selfie", SelectionReasons.Fixed), (choice.Variant?.Name, choice.Reason));
    }

    [Fact]
    public void Fixed_SyntheticNotAllowed_Rejected()
    {
        var choice = new FixedVariantSelector("dynroute", Options, new SeededRandomFactory()).Select(Request(Task, Batch), Cluster, Catalog, Now);

        Assert.Equal((StatusCode.FailedPrecondition, "unknown_variant:dynroute"), (choice.Code, choice.Reason));
    }

    [Fact]
    public void AlwaysBest_NoReadyWorker_RejectsUnavailable()
    {
        var cluster = Cluster(Unreachable("w1", Load("isnet")));

        var choice = new AlwaysBestSelector(Options, new SeededRandomFactory()).Select(Request(Task, Batch), cluster, Catalog, Now);

        Assert.Equal(StatusCode.Unavailable, choice.Code);
    }
}
