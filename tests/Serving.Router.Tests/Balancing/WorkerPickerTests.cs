using Serving.Router.Balancing;

namespace Serving.Router.Tests.Balancing;

public sealed class WorkerPickerTests
{
    private static WorkerCandidate C(string worker, double ms) => new(worker, TimeSpan.FromMilliseconds(ms));

    [Fact]
    public void Pick_FewCandidates_LeastPredictedCompletion()
    {
        var pick = WorkerPicker.Pick([C("a", 30), C("b", 10), C("c", 20)], new Random(1), powerOfTwoThreshold: 3);

        Assert.Equal("b", pick?.Worker);
    }

    [Fact]
    public void Pick_NoCandidates_Null()
    {
        Assert.Null(WorkerPicker.Pick([], new Random(1), 3));
    }

    [Fact]
    public void Pick_ManyCandidates_TwoRandomChoicesNeverTheWorst()
    {
        var candidates = Enumerable.Range(0, 10).Select(i => C($"w{i}", i)).ToList();
        var random = new Random(11);

        var picks = Enumerable.Range(0, 1000).Select(_ => WorkerPicker.Pick(candidates, random, 3)!.Value.Worker).ToList();

        Assert.DoesNotContain("w9", picks);
        Assert.True(picks.Count(p => p == "w0") > picks.Count(p => p == "w8"), "better workers are picked more often");
    }
}
