using Serving.Grpc;
using Serving.Router.Selection;
using Serving.Router.Tests.Infrastructure;
using static Serving.Router.Tests.Infrastructure.Snapshots;

namespace Serving.Router.Tests.Selection;

public sealed class SloAwareSelectorTests
{
    private const string Task = "face-embedding";

    private static readonly VariantInfo Heavy = new("dpn92", Task, 0.99) { Cost = 6.5 };
    private static readonly VariantInfo Light = new("mobile", Task, 0.95) { Cost = 0.5 };
    private static readonly VariantInfo Synthetic = new("dpn131", Task, 0.999, Synthetic: true) { Cost = 16 };

    private static readonly CatalogSnapshot Catalog = new([Heavy, Light, Synthetic]);

    private static VariantChoice Select(SelectionRequest request, ClusterSnapshot cluster, CatalogSnapshot? catalog = null, int seed = 1) =>
        new SloAwareSelector(new SelectorOptions(), new SeededRandomFactory(seed)).Select(request, cluster, catalog ?? Catalog, Now);

    /// <summary>Heavy: 80 ms p99 / 40 ms p50 per request, 10 queued (saturated). Light: 5 ms, idle.</summary>
    private static ClusterSnapshot SaturatedHeavy() => Cluster(
        Worker("w1", Load("dpn92", p50Ms: 40, p99Ms: 80, queued: 10)),
        Worker("w2", Load("mobile", p50Ms: 3, p99Ms: 5)));

    [Fact]
    public void Select_IdleCluster_PicksBestQualityAllowedVariant()
    {
        var cluster = Cluster(Worker("w1", Load("dpn92", p99Ms: 30), Load("mobile", p99Ms: 5), Load("dpn131", p99Ms: 60)));

        var choice = Select(Request(Task, Interactive), cluster);

        Assert.Equal("dpn92", choice.Variant?.Name);
        Assert.Equal("w1", choice.Worker);
        Assert.Equal(SelectionReasons.BestFit, choice.Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(32), choice.PredictedCompletion);
    }

    [Fact]
    public void Select_HeavyVariantSaturated_TightBudgetGetsLightVariant()
    {
        var choice = Select(Request(Task, Interactive), SaturatedHeavy());

        Assert.Equal("mobile", choice.Variant?.Name);
        Assert.Equal("w2", choice.Worker);
        Assert.Equal(SelectionReasons.BestFit, choice.Reason);
    }

    [Fact]
    public void Select_HeavyVariantSaturated_LooseBudgetStillGetsHeavyVariant()
    {
        // 10 x 80 + 80 + 2 = 882 ms predicted at p99.
        var choice = Select(Request(Task, Standard, budgetMs: 1000), SaturatedHeavy());

        Assert.Equal("dpn92", choice.Variant?.Name);
        Assert.Equal(TimeSpan.FromMilliseconds(882), choice.PredictedCompletion);
    }

    [Fact]
    public void Select_MedianClass_PlansWithP50()
    {
        // At p50 the heavy variant needs 10 x 40 + 40 + 2 = 442 ms: fits 500 ms at p50, not at p99.
        var strict = new SloAwareSelector(new SelectorOptions { WeighMissRisk = false }, new SeededRandomFactory(1));
        Assert.Equal("dpn92", strict.Select(Request(Task, Batch, budgetMs: 500), SaturatedHeavy(), Catalog, Now).Variant?.Name);
        Assert.Equal("mobile", strict.Select(Request(Task, Standard, budgetMs: 500), SaturatedHeavy(), Catalog, Now).Variant?.Name);

        // Fitting at p50 leaves it a ~30% chance of missing (p99 882 ms): 0.99 x 0.7 is worth less than a sure 0.95.
        var weighed = Select(Request(Task, Batch, budgetMs: 500), SaturatedHeavy());
        Assert.Equal(("mobile", SelectionReasons.LowerRisk), (weighed.Variant?.Name, weighed.Reason));
        Assert.Equal("dpn92", Select(Request(Task, Batch, budgetMs: 800), SaturatedHeavy()).Variant?.Name);
    }

    private static readonly VariantInfo Dpn131 = new("dpn131", Task, 0.9996) { Cost = 16 };
    private static readonly VariantInfo Dpn68 = new("dpn68", Task, 0.9993) { Cost = 2.5 };
    private static readonly VariantInfo WeightNet = new("weightnet", Task, 0.9991) { Cost = 0.3 };

    /// <summary>Qualities a hair apart; DPN-131 at 200 ms p50 / 400 ms p99, DPN-68 at 60 / 120 ms, WeightNet at 3 / 5 ms, all idle.</summary>
    private static (CatalogSnapshot Catalog, ClusterSnapshot Cluster) CloseQualities() => (
        new CatalogSnapshot([Dpn131, Dpn68, WeightNet]),
        Cluster(Worker("w1", Load("dpn131", p50Ms: 200, p99Ms: 400), Load("dpn68", p50Ms: 60, p99Ms: 120), Load("weightnet", p50Ms: 3, p99Ms: 5))));

    [Fact]
    public void Select_BetterVariantFitsButMightMissAndGainsAHair_TakesTheSurerNextOne()
    {
        var (catalog, cluster) = CloseQualities();

        // DPN-131 predicted at 402 ms p99 fits 450 of 500 ms, but misses ~0.15% of the time: 0.9996 x 0.9985 < 0.9993.
        var choice = Select(Request(Task, Standard), cluster, catalog);

        Assert.Equal(("dpn68", SelectionReasons.LowerRisk), (choice.Variant?.Name, choice.Reason));
        Assert.Equal(TimeSpan.FromMilliseconds(122), choice.PredictedCompletion);
    }

    [Fact]
    public void Select_LateAnswerWouldBeRescued_TheMissCostsOnlyTheStepDown()
    {
        var (catalog, cluster) = CloseQualities();

        // The same 0.15% chance now risks 0.0005 (down to WeightNet), not the answer: 0.9996 - 0.0015 x 0.0005 > 0.9993.
        var choice = Select(Request(Task, Standard) with { LateAnswerRescued = true }, cluster, catalog);

        Assert.Equal(("dpn131", SelectionReasons.BestFit), (choice.Variant?.Name, choice.Reason));
    }

    [Fact]
    public void Select_BetterVariantNearlyCertainToMakeIt_KeepsTheBetterOne()
    {
        var (catalog, cluster) = CloseQualities();

        // 1 s: DPN-131's p99 is 600 ms clear of the deadline, a miss chance of ~1e-7.
        var choice = Select(Request(Task, Standard, budgetMs: 1000), cluster, catalog);

        Assert.Equal(("dpn131", SelectionReasons.BestFit), (choice.Variant?.Name, choice.Reason));
    }

    [Fact]
    public void Select_LargeQualityGap_BetterVariantTakesTheSameRisk()
    {
        // The same 0.15% miss chance against 4 points of quality (0.99 x 0.9985 > 0.95).
        var cluster = Cluster(Worker("w1", Load("dpn92", p50Ms: 200, p99Ms: 400), Load("mobile", p50Ms: 3, p99Ms: 5)));

        var choice = Select(Request(Task, Standard), cluster);

        Assert.Equal(("dpn92", SelectionReasons.BestFit), (choice.Variant?.Name, choice.Reason));
    }

    [Fact]
    public void Select_QualityCeiling_OnlyVariantsBelowIt()
    {
        var (catalog, cluster) = CloseQualities();
        var below131 = Request(Task, Standard, budgetMs: 1000) with { QualityCeiling = 0.9996 };

        Assert.Equal("dpn68", Select(below131, cluster, catalog).Variant?.Name);
        Assert.Equal("weightnet", Select(below131 with { QualityCeiling = 0.9993 }, cluster, catalog).Variant?.Name);
        var none = Select(below131 with { QualityCeiling = 0.9991 }, cluster, catalog);
        Assert.Equal((StatusCode.ResourceExhausted, SelectionReasons.SloUnattainable), (none.Code, none.Reason));
    }

    [Fact]
    public void Select_MissRiskNotWeighed_BestQualityThatFits()
    {
        var (catalog, cluster) = CloseQualities();
        var strict = new SloAwareSelector(new SelectorOptions { WeighMissRisk = false }, new SeededRandomFactory(1));

        var choice = strict.Select(Request(Task, Standard), cluster, catalog, Now);

        Assert.Equal(("dpn131", SelectionReasons.BestFit), (choice.Variant?.Name, choice.Reason));
    }

    [Fact]
    public void Select_CalibrationWidensTheRisk_ItShiftsTheChoiceToo()
    {
        // DPN-68 alone against WeightNet: safe by its report (p99 122 ms of 300), not once its calls took 2x (p50 124, p99 244 ms).
        var catalog = new CatalogSnapshot([Dpn68, WeightNet]);
        ClusterSnapshot Of(double calibration) => Cluster(Worker("w1", Load("dpn68", p50Ms: 60, p99Ms: 120) with { Calibration = calibration }, Load("weightnet", p50Ms: 3, p99Ms: 5)));

        Assert.Equal("dpn68", Select(Request(Task, Standard, budgetMs: 300), Of(1), catalog).Variant?.Name);
        Assert.Equal("weightnet", Select(Request(Task, Standard, budgetMs: 300), Of(2), catalog).Variant?.Name);
    }

    [Fact]
    public void Select_ImpossibleBudget_RejectsSloUnattainable()
    {
        var choice = Select(Request(Task, Interactive, budgetMs: 3), SaturatedHeavy());

        Assert.True(choice.IsRejected);
        Assert.Equal(StatusCode.ResourceExhausted, choice.Code);
        Assert.Equal(SelectionReasons.SloUnattainable, choice.Reason);
        Assert.Null(choice.Variant);
    }

    [Fact]
    public void Select_ImpossibleBudgetWithBestEffort_GetsFastestOption()
    {
        var request = Request(Task, Interactive, budgetMs: 3) with { BestEffort = true };

        var choice = Select(request, SaturatedHeavy());

        Assert.Equal("mobile", choice.Variant?.Name);
        Assert.Equal(SelectionReasons.BestEffort, choice.Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(7), choice.PredictedCompletion);
    }

    [Fact]
    public void Select_GrpcDeadlineTighterThanClassBudget_DeadlineWins()
    {
        var cluster = Cluster(Worker("w1", Load("dpn92", p99Ms: 60), Load("mobile", p99Ms: 5)));
        var request = SelectionRequest.Create(Task, Standard, Now, Now + TimeSpan.FromMilliseconds(30));

        Assert.Equal("mobile", Select(request, cluster).Variant?.Name);
    }

    [Fact]
    public void Select_TimeAlreadySpent_CountsAgainstTheBudget()
    {
        var cluster = Cluster(Worker("w1", Load("dpn92", p99Ms: 60), Load("mobile", p99Ms: 5)));
        var request = SelectionRequest.Create(Task, Interactive, Now - TimeSpan.FromMilliseconds(50), grpcDeadline: null);

        Assert.Equal("mobile", Select(request, cluster).Variant?.Name);
    }

    [Fact]
    public void Select_PredictionInsideTheHeadroom_TakesTheCheaperVariant()
    {
        // dpn92 predicted at 95 ms of a 100 ms budget: fits the budget, not the 10% reserve.
        var cluster = Cluster(Worker("w1", Load("dpn92", p99Ms: 93), Load("mobile", p99Ms: 5)));
        var request = Request(Task, Interactive);

        Assert.Equal("mobile", Select(request, cluster).Variant?.Name);
        Assert.Equal("dpn92", new SloAwareSelector(new SelectorOptions { Headroom = 0 }, new SeededRandomFactory(1)).Select(request, cluster, Catalog, Now).Variant?.Name);
    }

    [Fact]
    public void Select_CallsRanSlowerThanPredicted_HeavyVariantAvoidsThatWorkerThenDowngrades()
    {
        // dpn92 predicted at 62 ms by the reports: fits 100 ms, but not once w1's calls took 1.6x their predictions.
        var slowOnW1 = Cluster(
            Worker("w1", Load("dpn92", p99Ms: 60) with { Calibration = 1.6 }, Load("mobile", p99Ms: 5)),
            Worker("w2", Load("dpn92", p99Ms: 60), Load("mobile", p99Ms: 5)));
        var choice = Select(Request(Task, Interactive), slowOnW1);
        Assert.Equal(("dpn92", "w2"), (choice.Variant?.Name, choice.Worker));

        var slowEverywhere = Cluster(
            Worker("w1", Load("dpn92", p99Ms: 60) with { Calibration = 1.6 }, Load("mobile", p99Ms: 5)),
            Worker("w2", Load("dpn92", p99Ms: 60) with { Calibration = 1.6 }, Load("mobile", p99Ms: 5)));
        Assert.Equal("mobile", Select(Request(Task, Interactive), slowEverywhere).Variant?.Name);
    }

    [Fact]
    public void Select_OnlyTheReserveLeft_FastestRunsInItOverBudgetIsRejected()
    {
        // The only variant predicted at 95 ms of 100: not inside the 10% reserve, but inside the budget.
        var request = Request(Task, Interactive) with { MinQuality = 0.98 };
        var inReserve = Select(request, Cluster(Worker("w1", Load("dpn92", p99Ms: 93), Load("mobile", p99Ms: 5))));
        Assert.Equal(("dpn92", SelectionReasons.InReserve), (inReserve.Variant?.Name, inReserve.Reason));

        // Predicted at 102 ms: over the budget itself.
        var over = Select(request, Cluster(Worker("w1", Load("dpn92", p99Ms: 100), Load("mobile", p99Ms: 5))));
        Assert.True(over.IsRejected);
        Assert.Equal(StatusCode.ResourceExhausted, over.Code);
    }

    [Fact]
    public void Select_OnlyCalibrationPushesThePredictionOverTheBudget_FastestStillRuns()
    {
        // 62 ms by the report, 124 ms calibrated: steers away from the variant, but is no reason to refuse it.
        var request = Request(Task, Interactive) with { MinQuality = 0.98 };
        var choice = Select(request, Cluster(Worker("w1", Load("dpn92", p99Ms: 60) with { Calibration = 2 }, Load("mobile", p99Ms: 5))));

        Assert.Equal(("dpn92", SelectionReasons.InReserve), (choice.Variant?.Name, choice.Reason));
        Assert.Equal(TimeSpan.FromMilliseconds(124), choice.PredictedCompletion);
    }

    [Fact]
    public void Select_NothingFits_RejectionNamesTheFastestOption()
    {
        var choice = Select(Request(Task, Interactive) with { MinQuality = 0.98 }, SaturatedHeavy());

        Assert.Equal(("dpn92", "w1", TimeSpan.FromMilliseconds(882)), choice.FastestOption);
    }

    [Fact]
    public void Select_DeadlinePassed_RejectsDeadlineExceeded()
    {
        var choice = Select(Request(Task, Interactive, budgetMs: -1), SaturatedHeavy());

        Assert.Equal(StatusCode.DeadlineExceeded, choice.Code);
        Assert.Equal(SelectionReasons.DeadlinePassed, choice.Reason);
    }

    [Fact]
    public void Select_MinQualityAboveLightVariant_RejectsRatherThanDegrade()
    {
        var request = Request(Task, Interactive) with { MinQuality = 0.98 };

        var choice = Select(request, SaturatedHeavy());

        Assert.Equal(StatusCode.ResourceExhausted, choice.Code);
        Assert.Equal(SelectionReasons.SloUnattainable, choice.Reason);
    }

    [Fact]
    public void Select_MinQualityAboveEveryAllowedVariant_RejectsBelowMinQuality()
    {
        var request = Request(Task, Interactive) with { MinQuality = 0.995 };

        var choice = Select(request, SaturatedHeavy());

        Assert.Equal(StatusCode.FailedPrecondition, choice.Code);
        Assert.Equal(SelectionReasons.BelowMinQuality, choice.Reason);
    }

    [Fact]
    public void Select_SyntheticNotAllowed_NeverUsesSynthetic()
    {
        var cluster = Cluster(Worker("w1", Load("dpn131", p99Ms: 1), Load("mobile", p99Ms: 5)));

        var choice = Select(Request(Task, Interactive), cluster);

        Assert.Equal("mobile", choice.Variant?.Name);
    }

    [Fact]
    public void Select_SyntheticAllowed_UsesBestQualitySynthetic()
    {
        var cluster = Cluster(Worker("w1", Load("dpn131", p99Ms: 1), Load("mobile", p99Ms: 5)));
        var catalog = new CatalogSnapshot([Heavy, Light, Synthetic], allowSynthetic: true);

        Assert.Equal("dpn131", Select(Request(Task, Interactive), cluster, catalog).Variant?.Name);
    }

    [Fact]
    public void Select_OnlySyntheticVariantsAndNotAllowed_RejectsSyntheticNotAllowed()
    {
        var catalog = new CatalogSnapshot([Synthetic]);

        var choice = Select(Request(Task, Interactive), Cluster(Worker("w1", Load("dpn131"))), catalog);

        Assert.Equal(StatusCode.FailedPrecondition, choice.Code);
        Assert.Equal(SelectionReasons.SyntheticNotAllowed, choice.Reason);
    }

    [Fact]
    public void Select_PinnedVariantFits_UsesItEvenWhenBetterFits()
    {
        var cluster = Cluster(Worker("w1", Load("dpn92", p99Ms: 30), Load("mobile", p99Ms: 5)));

        var choice = Select(Request(Task, Interactive) with { PinnedVariant = "mobile" }, cluster);

        Assert.Equal("mobile", choice.Variant?.Name);
        Assert.Equal(SelectionReasons.Pinned, choice.Reason);
    }

    [Fact]
    public void Select_PinnedVariantCannotFit_RejectsNamingIt()
    {
        var choice = Select(Request(Task, Interactive) with { PinnedVariant = "dpn92" }, SaturatedHeavy());

        Assert.Equal(StatusCode.ResourceExhausted, choice.Code);
        Assert.Equal("slo_unattainable:dpn92", choice.Reason);
    }

    [Fact]
    public void Select_PinnedVariantCannotFitWithBestEffort_UsesItAnyway()
    {
        var choice = Select(Request(Task, Interactive) with { PinnedVariant = "dpn92", BestEffort = true }, SaturatedHeavy());

        Assert.Equal("dpn92", choice.Variant?.Name);
        Assert.Equal(SelectionReasons.BestEffort, choice.Reason);
    }

    [Fact]
    public void Select_PinnedVariantUnknownOrOtherTask_RejectsNotFound()
    {
        var catalog = new CatalogSnapshot([Heavy, Light, new VariantInfo("selfie", "person-segmentation", 0.87)]);

        var unknown = Select(Request(Task, Interactive) with { PinnedVariant = "nope" }, SaturatedHeavy(), catalog);
        var otherTask = Select(Request(Task, Interactive) with { PinnedVariant = "selfie" }, SaturatedHeavy(), catalog);

        Assert.Equal((StatusCode.NotFound, "unknown_variant:nope"), (unknown.Code, unknown.Reason));
        Assert.Equal((StatusCode.NotFound, "unknown_variant:selfie"), (otherTask.Code, otherTask.Reason));
    }

    [Fact]
    public void Select_PinnedSyntheticNotAllowed_Rejected()
    {
        var choice = Select(Request(Task, Interactive) with { PinnedVariant = "dpn131" }, Cluster(Worker("w1", Load("dpn131"))));

        Assert.Equal((StatusCode.FailedPrecondition, "synthetic_not_allowed:dpn131"), (choice.Code, choice.Reason));
    }

    [Fact]
    public void Select_PinnedBelowMinQuality_Rejected()
    {
        var choice = Select(Request(Task, Interactive) with { PinnedVariant = "mobile", MinQuality = 0.97 }, SaturatedHeavy());

        Assert.Equal((StatusCode.FailedPrecondition, "below_min_quality:mobile"), (choice.Code, choice.Reason));
    }

    [Fact]
    public void Select_EqualQualityVariants_TieBrokenByLeastPredictedCompletion()
    {
        var twinA = new VariantInfo("twin-a", Task, 0.97);
        var twinB = new VariantInfo("twin-b", Task, 0.97);
        var catalog = new CatalogSnapshot([twinA, twinB, Light]);
        var cluster = Cluster(Worker("w1", Load("twin-a", p99Ms: 40), Load("twin-b", p99Ms: 15), Load("mobile", p99Ms: 5)));

        Assert.Equal("twin-b", Select(Request(Task, Interactive), cluster, catalog).Variant?.Name);
    }

    [Fact]
    public void Select_SeveralWorkers_PicksLeastPredictedCompletion()
    {
        var cluster = Cluster(
            Worker("w1", Load("dpn92", p99Ms: 20, queued: 2)),
            Worker("w2", Load("dpn92", p99Ms: 20, inFlight: 1, instances: 2)),
            Worker("w3", Load("dpn92", p99Ms: 20, queued: 1)));

        var choice = Select(Request(Task, Standard), cluster);

        Assert.Equal("w2", choice.Worker);
        Assert.Equal(TimeSpan.FromMilliseconds(22), choice.PredictedCompletion);
    }

    [Fact]
    public void Select_RequestsSentSinceReport_SteerToTheOtherWorker()
    {
        var cluster = Cluster(
            Worker("w1", Load("dpn92", p99Ms: 20, sent: 3)),
            Worker("w2", Load("dpn92", p99Ms: 20, queued: 1)));

        Assert.Equal("w2", Select(Request(Task, Standard), cluster).Worker);
    }

    [Fact]
    public void Select_UnreachableOrNotReadyOrExcludedWorker_NeverChosen()
    {
        var cluster = Cluster(
            Unreachable("w1", Load("dpn92", p99Ms: 1)),
            Worker("w2", Load("dpn92", p99Ms: 1, ready: false)),
            Worker("w3", Load("dpn92", p99Ms: 1)),
            Worker("w4", Load("dpn92", p99Ms: 30)));
        var request = Request(Task, Standard) with { ExcludedWorkers = new HashSet<string> { "w3" } };

        Assert.Equal("w4", Select(request, cluster).Worker);
    }

    [Fact]
    public void Select_NoReachableWorker_RejectsUnavailable()
    {
        var cluster = Cluster(Unreachable("w1", Load("dpn92")), Worker("w2", Load("mobile", ready: false)));

        var choice = Select(Request(Task, Standard) with { BestEffort = true }, cluster);

        Assert.Equal((StatusCode.Unavailable, SelectionReasons.NoReadyWorker), (choice.Code, choice.Reason));
    }

    [Fact]
    public void Select_UnknownTask_RejectsNotFound()
    {
        var choice = Select(Request("pose", Standard), SaturatedHeavy());

        Assert.Equal((StatusCode.NotFound, SelectionReasons.UnknownTask), (choice.Code, choice.Reason));
    }

    [Fact]
    public void Select_HigherPriorityQueueOnly_LowPriorityRequestWaitsBehindIt()
    {
        var cluster = Cluster(
            Worker("w1", Load("dpn92", p99Ms: 20, queuePerPriority: [0, 30])),
            Worker("w2", Load("mobile", p99Ms: 5)));

        Assert.Equal("dpn92", Select(Request(Task, Interactive) with { Priority = 1 }, cluster).Variant?.Name);
        Assert.Equal("mobile", Select(Request(Task, Interactive) with { Priority = 2 }, cluster).Variant?.Name);
    }

    [Fact]
    public void Select_WorkerWithoutMeasurements_ServesOnlyBestEffort()
    {
        var cluster = Cluster(Worker("w1", Load("dpn92", profile: ServiceTimeProfile.Empty)));

        var strict = Select(Request(Task, Standard), cluster);
        var lenient = Select(Request(Task, Standard) with { BestEffort = true }, cluster);

        Assert.Equal(StatusCode.ResourceExhausted, strict.Code);
        Assert.Equal(("dpn92", "w1"), (lenient.Variant?.Name, lenient.Worker));
    }

    [Fact]
    public void Select_ManyWorkers_PowerOfTwoNeverPicksTheWorstAndSpreadsLoad()
    {
        var workers = Enumerable.Range(0, 8).Select(i => Worker($"w{i}", Load("dpn92", p99Ms: 10, queued: i))).ToArray();
        var cluster = Cluster(workers);
        var selector = new SloAwareSelector(new SelectorOptions(), new SeededRandomFactory(7));

        var picks = Enumerable.Range(0, 400).Select(_ => selector.Select(Request(Task, Standard), cluster, Catalog, Now).Worker).ToList();

        Assert.DoesNotContain("w7", picks);
        Assert.Contains("w0", picks);
        Assert.True(picks.Distinct().Count() >= 4, "two random choices spread requests over several workers");
    }

    [Fact]
    public void Select_SameSeed_SameChoices()
    {
        var cluster = Cluster(Enumerable.Range(0, 6).Select(i => Worker($"w{i}", Load("dpn92", p99Ms: 10, queued: i % 3))).ToArray());

        string?[] Run(int seed)
        {
            var selector = new SloAwareSelector(new SelectorOptions(), new SeededRandomFactory(seed));
            return Enumerable.Range(0, 50).Select(_ => selector.Select(Request(Task, Standard), cluster, Catalog, Now).Worker).ToArray();
        }

        Assert.Equal(Run(3), Run(3));
    }
}
