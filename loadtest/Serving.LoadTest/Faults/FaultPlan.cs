using System.Globalization;
using System.Runtime.InteropServices;

namespace Serving.LoadTest.Faults;

/// <summary>A fault to inject at <see cref="At"/> (from the start of the run): a signal to a process.</summary>
/// <param name="Action"><c>kill</c> (SIGKILL: the worker dies), <c>term</c> (SIGTERM: graceful stop), <c>stop</c> (SIGSTOP: stalls it),
/// <c>cont</c> (SIGCONT: resumes it, and ends a <c>slow</c>), <c>slow</c> (SIGSTOP and SIGCONT in turn, 50 ms each: it runs at half
/// speed, with pauses, until a <c>cont</c> or the end of the run).</param>
internal sealed record FaultStep(TimeSpan At, string Action, int ProcessId)
{
    public string Spec => FormattableString.Invariant($"{Action}:{ProcessId}@{DurationText.Format(At)}");
}

/// <summary>What happened when a fault step ran (or that the run ended first).</summary>
internal sealed record FaultEvent(TimeSpan At, string Action, int ProcessId, bool Done, string Result);

/// <summary>Parses <c>--fault ACTION:PID@TIME</c> (e.g. <c>kill:4242@10s</c>, <c>stop:4242@10s</c>, <c>slow:4242@10s</c>, <c>cont:4242@20s</c>).</summary>
internal static class FaultPlan
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigStop = 19;
    public const int SigCont = 18;

    /// <summary>A slowed process is stopped for this long, then runs for as long, in turn.</summary>
    public static readonly TimeSpan SlowHalfPeriod = TimeSpan.FromMilliseconds(50);

    // The signal each action sends first (slow: then alternates with SIGCONT).
    private static readonly Dictionary<string, int> Signals = new(StringComparer.OrdinalIgnoreCase)
    {
        ["kill"] = SigKill, ["term"] = SigTerm, ["stop"] = SigStop, ["cont"] = SigCont, ["slow"] = SigStop,
    };

    public static List<FaultStep> Parse(IEnumerable<string> specs)
    {
        var steps = new List<FaultStep>();
        foreach (var spec in specs)
        {
            var colon = spec.IndexOf(':');
            var at = spec.LastIndexOf('@');
            if (colon <= 0 || at < colon
                || !Signals.ContainsKey(spec[..colon])
                || !int.TryParse(spec.AsSpan(colon + 1, at - colon - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0
                || !DurationText.TryParse(spec[(at + 1)..], out var time))
            {
                throw new FormatException($"--fault '{spec}' must be ACTION:PID@TIME with ACTION kill, term, stop, slow or cont, e.g. kill:4242@10s.");
            }

            steps.Add(new FaultStep(time, spec[..colon].ToLowerInvariant(), pid));
        }

        return steps.OrderBy(s => s.At).ToList();
    }

    public static int Signal(string action) => Signals[action];
}

/// <summary>Sends a POSIX signal to a process.</summary>
internal interface ISignalSender
{
    /// <summary>Null on success, else why it failed.</summary>
    string? Send(int processId, int signal);
}

/// <summary>libc <c>kill(2)</c>.</summary>
internal sealed partial class PosixSignalSender : ISignalSender
{
    public string? Send(int processId, int signal)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return "signals need Linux or macOS";
        }

        return Kill(processId, signal) == 0 ? null : $"kill({processId}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}";
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);
}

/// <summary>Runs the fault steps at their times on the run's clock and records what happened.</summary>
internal sealed class FaultInjector(IReadOnlyList<FaultStep> steps, ISignalSender signals, TimeProvider time)
{
    private readonly List<FaultEvent> _events = [];
    private readonly Lock _lock = new();
    private int _stepsDone;

    /// <summary>What was sent, in order, then the steps the run did not reach.</summary>
    public IReadOnlyList<FaultEvent> Events
    {
        get
        {
            lock (_lock)
            {
                var done = _events.ToList();
                done.AddRange(steps.Skip(_stepsDone).Select(s => new FaultEvent(s.At, s.Action, s.ProcessId, false, "not reached: the run ended first")));
                return done;
            }
        }
    }

    /// <summary>
    /// Executes the steps in order; <paramref name="elapsed"/> gives the time since the run's start.
    /// Returns when the steps are done and no process is being slowed, or when cancelled (the end of
    /// the run); a process still slowed then is resumed, so none is left stopped by a duty cycle.
    /// </summary>
    public async Task RunAsync(Func<TimeSpan> elapsed, CancellationToken cancellationToken)
    {
        var slowed = new Dictionary<int, (CancellationTokenSource Stop, Task Cycle)>();
        try
        {
            foreach (var step in steps)
            {
                var wait = step.At - elapsed();
                if (wait > TimeSpan.Zero && !await DelayAsync(wait, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                string? error;
                if (step.Action == "slow")
                {
                    error = slowed.ContainsKey(step.ProcessId) ? null : signals.Send(step.ProcessId, FaultPlan.SigStop);
                    if (error is null && !slowed.ContainsKey(step.ProcessId))
                    {
                        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                        slowed[step.ProcessId] = (stop, CycleAsync(step.ProcessId, stop.Token));
                    }
                }
                else
                {
                    // Any other signal ends a duty cycle first, so it is not undone by the cycle's next SIGSTOP/SIGCONT.
                    if (slowed.Remove(step.ProcessId, out var cycle))
                    {
                        await EndCycleAsync(cycle).ConfigureAwait(false);
                    }

                    error = signals.Send(step.ProcessId, FaultPlan.Signal(step.Action));
                }

                Record(new FaultEvent(elapsed(), step.Action, step.ProcessId, error is null, error ?? "sent"), fromStep: true);
            }

            if (slowed.Count > 0)
            {
                await DelayAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var (processId, cycle) in slowed)
            {
                await EndCycleAsync(cycle).ConfigureAwait(false);
                var error = signals.Send(processId, FaultPlan.SigCont);
                Record(new FaultEvent(elapsed(), "cont", processId, error is null, error ?? "sent at the end of the run (ends slow)"), fromStep: false);
            }
        }
    }

    // Stopped for a half period, running for a half period, until cancelled; leaves the process running.
    private async Task CycleAsync(int processId, CancellationToken cancellationToken)
    {
        while (await DelayAsync(FaultPlan.SlowHalfPeriod, cancellationToken).ConfigureAwait(false))
        {
            signals.Send(processId, FaultPlan.SigCont);
            if (!await DelayAsync(FaultPlan.SlowHalfPeriod, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            signals.Send(processId, FaultPlan.SigStop);
        }
    }

    // After this the cycle sends nothing more; the process may be stopped or running.
    private static async Task EndCycleAsync((CancellationTokenSource Stop, Task Cycle) cycle)
    {
        await cycle.Stop.CancelAsync().ConfigureAwait(false);
        await cycle.Cycle.ConfigureAwait(false);
        cycle.Stop.Dispose();
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Record(FaultEvent fault, bool fromStep)
    {
        lock (_lock)
        {
            _events.Add(fault);
            _stepsDone += fromStep ? 1 : 0;
        }
    }
}
