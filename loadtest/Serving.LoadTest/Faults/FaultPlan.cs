using System.Globalization;
using System.Runtime.InteropServices;

namespace Serving.LoadTest.Faults;

/// <summary>A fault to inject at <see cref="At"/> (from the start of the run): a signal to a process.</summary>
/// <param name="Action"><c>kill</c> (SIGKILL: the worker dies), <c>term</c> (SIGTERM: graceful stop), <c>stop</c> (SIGSTOP: stalls it), <c>cont</c> (SIGCONT: resumes it).</param>
internal sealed record FaultStep(TimeSpan At, string Action, int ProcessId)
{
    public string Spec => FormattableString.Invariant($"{Action}:{ProcessId}@{DurationText.Format(At)}");
}

/// <summary>What happened when a fault step ran (or that the run ended first).</summary>
internal sealed record FaultEvent(TimeSpan At, string Action, int ProcessId, bool Done, string Result);

/// <summary>Parses <c>--fault ACTION:PID@TIME</c> (e.g. <c>kill:4242@10s</c>, <c>stop:4242@10s</c>, <c>cont:4242@20s</c>).</summary>
internal static class FaultPlan
{
    private static readonly Dictionary<string, int> Signals = new(StringComparer.OrdinalIgnoreCase)
    {
        ["kill"] = 9, ["term"] = 15, ["stop"] = 19, ["cont"] = 18,
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
                throw new FormatException($"--fault '{spec}' must be ACTION:PID@TIME with ACTION kill, term, stop or cont, e.g. kill:4242@10s.");
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

    public IReadOnlyList<FaultEvent> Events
    {
        get
        {
            lock (_lock)
            {
                var done = _events.ToList();
                done.AddRange(steps.Skip(done.Count).Select(s => new FaultEvent(s.At, s.Action, s.ProcessId, false, "not reached: the run ended first")));
                return done;
            }
        }
    }

    /// <summary>Executes the steps in order; <paramref name="elapsed"/> gives the time since the run's start.</summary>
    public async Task RunAsync(Func<TimeSpan> elapsed, CancellationToken cancellationToken)
    {
        foreach (var step in steps)
        {
            var wait = step.At - elapsed();
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            var error = signals.Send(step.ProcessId, FaultPlan.Signal(step.Action));
            lock (_lock)
            {
                _events.Add(new FaultEvent(elapsed(), step.Action, step.ProcessId, error is null, error ?? "sent"));
            }
        }
    }
}
