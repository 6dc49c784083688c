using Serving.Grpc;
using Serving.LoadTest.Faults;
using Serving.LoadTest.Reporting;
using Serving.LoadTest.Running;
using Serving.LoadTest.Workload;

namespace Serving.LoadTest.Tests.Reporting;

/// <summary>A report built from known outcomes: 3 s measured after 1 s warm-up, two classes, a fault at 2.5 s.</summary>
internal static class ReportFixtures
{
    public static LoadTestReport Sample()
    {
        var outcomes = new List<RequestOutcome>();
        for (var i = 0; i < 30; i++)
        {
            var scheduled = TimeSpan.FromSeconds(1 + i * 0.1);
            var interactive = i % 3 != 0;
            var failed = i % 10 == 9;
            var latency = TimeSpan.FromMilliseconds(20 + i * 4);
            var slo = interactive ? "interactive" : "batch";
            var budget = interactive ? 100 : 2000;
            outcomes.Add(new RequestOutcome(i % 2 == 0 ? TaskKind.Verify : TaskKind.Segment, slo, scheduled, scheduled, latency,
                failed ? StatusCode.ResourceExhausted : StatusCode.OK, failed ? "" : (i < 15 ? "heavy" : "light"),
                !failed && latency.TotalMilliseconds <= budget, true,
                !failed ? "" : i == 9 ? "no variant of verify answers within 100 ms (slo_unattainable)" : "queue of model 'heavy' is full | 8 waiting"));
        }

        var run = new RunInfo("http://127.0.0.1:8001/", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), "open-loop", "constant", 10, null,
            3, 1, null, 1, "verify=1,segment=1", "interactive=2,batch=1", "slo-aware",
            new Dictionary<string, string> { ["faces"] = "/data/faces/images", ["segmentation"] = "/data/segmentation/person/images" });
        return ReportBuilder.Build(run, outcomes,
            [new SloClass("interactive", TimeSpan.FromMilliseconds(100)), new SloClass("batch", TimeSpan.FromSeconds(2))],
            new Dictionary<string, double> { ["heavy"] = 0.99, ["light"] = 0.9 },
            TimeSpan.FromSeconds(1),
            [new FaultEvent(TimeSpan.FromSeconds(2.5), "stop", 4242, true, "sent")],
            ["a warning"]);
    }
}
