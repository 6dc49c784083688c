using Serving.LoadTest.Faults;

namespace Serving.LoadTest.Tests.Faults;

public sealed class FaultPlanTests
{
    [Fact]
    public void Parse_Steps_SortedByTimeWithSignals()
    {
        var steps = FaultPlan.Parse(["cont:42@20s", "stop:42@10s", "kill:7@1.5s"]);

        Assert.Equal(["kill:7@1.5s", "stop:42@10s", "cont:42@20s"], steps.Select(s => s.Spec));
        Assert.Equal([9, 19, 18], steps.Select(s => FaultPlan.Signal(s.Action)));
    }

    [Theory]
    [InlineData("explode:42@1s")]
    [InlineData("kill:abc@1s")]
    [InlineData("kill:42")]
    [InlineData("kill:42@soon")]
    public void Parse_Bad_SaysTheForm(string spec)
    {
        var error = Assert.Throws<FormatException>(() => FaultPlan.Parse([spec]));

        Assert.Contains("ACTION:PID@TIME", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SendsEachSignalAtItsTime_AndReportsUnreachedSteps()
    {
        var time = new ManualTimeProvider();
        var start = time.GetTimestamp();
        var sender = new RecordingSender(time, start);
        var injector = new FaultInjector(FaultPlan.Parse(["stop:42@1s", "cont:42@2s", "kill:42@10s"]), sender, time);
        using var stop = new CancellationTokenSource();

        var run = injector.RunAsync(() => time.GetElapsedTime(start), stop.Token);
        await time.WaitForArmedTimersAsync(1);
        time.Advance(TimeSpan.FromSeconds(1));
        await time.WaitForArmedTimersAsync(1);
        time.Advance(TimeSpan.FromSeconds(1));
        await time.WaitForArmedTimersAsync(1);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([(19, 1.0), (18, 2.0)], sender.Sent);
        Assert.Equal([true, true, false], injector.Events.Select(e => e.Done));
        Assert.Contains("not reached", injector.Events[2].Result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Slow_AlternatesStopAndContUntilCont_ThenLeavesItRunning()
    {
        var time = new ManualTimeProvider();
        var start = time.GetTimestamp();
        var sender = new RecordingSender(time, start);
        var injector = new FaultInjector(FaultPlan.Parse(["slow:42@1s", "cont:42@1.12s"]), sender, time);
        using var stop = new CancellationTokenSource();

        var run = injector.RunAsync(() => time.GetElapsedTime(start), stop.Token);
        await time.WaitForArmedTimersAsync(1);
        time.Advance(TimeSpan.FromSeconds(1));
        // From here the cycle and the wait for the cont step each hold a timer.
        foreach (var step in new[] { 50, 50, 20 })
        {
            await time.WaitForArmedTimersAsync(2);
            time.Advance(TimeSpan.FromMilliseconds(step));
        }

        await run.WaitAsync(TimeSpan.FromSeconds(10));

        // Stopped at 1.0 and 1.1, running at 1.05; the cont step at 1.12 ends the cycle while stopped and resumes it.
        Assert.Equal([(19, 1.0), (18, 1.05), (19, 1.1), (18, 1.12)], sender.Sent.Select(s => (s.Signal, Math.Round(s.At, 3))));
        Assert.Equal(["slow", "cont"], injector.Events.Select(e => e.Action));
        Assert.All(injector.Events, e => Assert.True(e.Done));
    }

    [Fact]
    public async Task Run_SlowUntilTheEnd_ResumesTheProcessWhenTheRunEnds()
    {
        var time = new ManualTimeProvider();
        var start = time.GetTimestamp();
        var sender = new RecordingSender(time, start);
        var injector = new FaultInjector(FaultPlan.Parse(["slow:42@1s"]), sender, time);
        using var stop = new CancellationTokenSource();

        var run = injector.RunAsync(() => time.GetElapsedTime(start), stop.Token);
        await time.WaitForArmedTimersAsync(1);
        time.Advance(TimeSpan.FromSeconds(1));
        // The cycle's timer (the wait for the end of the run holds none).
        await time.WaitForArmedTimersAsync(1);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([19, 18], sender.Sent.Select(s => s.Signal));
        Assert.Equal(["slow", "cont"], injector.Events.Select(e => e.Action));
        Assert.Contains("end of the run", injector.Events[1].Result, StringComparison.Ordinal);
    }

    private sealed class RecordingSender(ManualTimeProvider time, long start) : ISignalSender
    {
        private readonly Lock _lock = new();
        private readonly List<(int Signal, double At)> _sent = [];

        public IReadOnlyList<(int Signal, double At)> Sent
        {
            get
            {
                lock (_lock)
                {
                    return _sent.ToList();
                }
            }
        }

        public string? Send(int processId, int signal)
        {
            lock (_lock)
            {
                _sent.Add((signal, time.GetElapsedTime(start).TotalSeconds));
            }

            return null;
        }
    }
}
