using Serving.Router.Resilience;
using Serving.Router.Selection;
using static Serving.Router.Tests.Infrastructure.Snapshots;

namespace Serving.Router.Tests.Resilience;

public sealed class HedgePlannerTests
{
    private static readonly VariantInfo Variant = new("selfie", "person-segmentation", 0.87);

    private static readonly ClusterSnapshot TwoWorkers = Cluster(
        Worker("w1", Load("selfie", p50Ms: 10, p99Ms: 30)),
        Worker("w2", Load("selfie", p50Ms: 10, p99Ms: 30)));

    private static TimeSpan? Plan(double budgetMs, ClusterSnapshot? cluster = null) =>
        HedgePlanner.Plan(
            VariantChoice.Use(Variant, "w1", TimeSpan.FromMilliseconds(32), SelectionReasons.BestFit),
            Request("person-segmentation", Standard, budgetMs),
            cluster ?? TwoWorkers,
            new SelectorOptions(),
            Now);

    [Fact]
    public void Plan_BudgetAllows_HedgeAfterTheP95()
    {
        // p95 = 10 + 20 x 0.45 / 0.49 ms of service + 2 ms network.
        var expected = TimeSpan.FromMilliseconds(10 + (20 * 0.45 / 0.49) + 2);

        Assert.Equal(expected.TotalMilliseconds, Plan(500)!.Value.TotalMilliseconds, 3);
    }

    [Fact]
    public void Plan_NoTimeForASecondCopy_NoHedge()
    {
        Assert.Null(Plan(40));
    }

    [Fact]
    public void Plan_CalibratedWorkers_HedgeStillAtTheReportsP95()
    {
        // Calibration 3 would put the p95 at ~69 ms and the hedge past a 70 ms budget; the reports' p95 (~23 ms) fits twice.
        var calibrated = Cluster(
            Worker("w1", Load("selfie", p50Ms: 10, p99Ms: 30) with { Calibration = 3 }),
            Worker("w2", Load("selfie", p50Ms: 10, p99Ms: 30) with { Calibration = 3 }));

        Assert.Equal(Plan(500)!.Value, Plan(70, calibrated)!.Value);
    }

    [Fact]
    public void Plan_NoOtherWorker_NoHedge()
    {
        Assert.Null(Plan(500, Cluster(Worker("w1", Load("selfie")), Unreachable("w2", Load("selfie")))));
    }
}
