using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Serving.Benchmarks;

/// <summary>
/// A closed-loop load: <c>concurrency</c> callers, each making its next call as soon as the last one
/// returns, for a fixed time. Latencies are kept per caller (no shared list, no lock on the hot path).
/// </summary>
/// <remarks>
/// Blocking calls (an in-process <c>InferenceSession.Run</c>) get a dedicated thread per caller, so that
/// the thread pool's slow thread injection does not cap their concurrency; asynchronous calls (gRPC) run
/// on the thread pool like any client.
/// </remarks>
internal sealed class ClosedLoop(Func<ValueTask> call, bool blocking)
{
    /// <summary>Runs until <paramref name="duration"/> is over; returns the calls completed.</summary>
    public async Task<long> RunAsync(int concurrency, TimeSpan duration, List<long>[]? latencies)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var callers = new Task<long>[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            var own = latencies?[i];
            callers[i] = blocking
                ? Task.Factory.StartNew(() => LoopAsync(end, own).GetAwaiter().GetResult(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                : Task.Run(() => LoopAsync(end, own));
        }

        long total = 0;
        foreach (var count in await Task.WhenAll(callers))
        {
            total += count;
        }

        return total;
    }

    private async Task<long> LoopAsync(long end, List<long>? latencies)
    {
        long count = 0;
        while (true)
        {
            var before = Stopwatch.GetTimestamp();
            if (before >= end)
            {
                return count;
            }

            await call();
            count++;
            latencies?.Add(Stopwatch.GetTimestamp() - before);
        }
    }
}

/// <summary>Totals of one mode over its slices: calls, time, process CPU, latencies.</summary>
internal sealed class LoadSamples(int concurrency)
{
    private readonly List<long>[] _latencies = Enumerable.Range(0, concurrency).Select(_ => new List<long>(4096)).ToArray();
    private TimeSpan _elapsed;
    private long _calls;
    private long _cpuTicks;
    private long _kernelTicks;
    private long _gcPauseTicks;
    private int _collections;
    private long _switches;
    private long _workItems;

    /// <summary>Runs one slice, adds it to the totals and returns its calls per second.</summary>
    public async Task<double> MeasureAsync(ClosedLoop loop, TimeSpan slice)
    {
        var (cpuBefore, kernelBefore) = ProcessCpuTicks();
        var pauseBefore = GC.GetTotalPauseDuration().Ticks;
        var collectionsBefore = GC.CollectionCount(0);
        var switchesBefore = ContextSwitches();
        var workItemsBefore = ThreadPool.CompletedWorkItemCount;
        var start = Stopwatch.GetTimestamp();
        var calls = await loop.RunAsync(_latencies.Length, slice, _latencies);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var (cpuAfter, kernelAfter) = ProcessCpuTicks();
        _cpuTicks += cpuAfter - cpuBefore;
        _kernelTicks += kernelAfter - kernelBefore;
        _gcPauseTicks += GC.GetTotalPauseDuration().Ticks - pauseBefore;
        _collections += GC.CollectionCount(0) - collectionsBefore;
        _switches += ContextSwitches() - switchesBefore;
        _workItems += ThreadPool.CompletedWorkItemCount - workItemsBefore;
        _calls += calls;
        _elapsed += elapsed;
        return calls / elapsed.TotalSeconds;
    }

    public LoadResult Summarize()
    {
        var all = _latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(p * all.Length))] * 1000.0 / Stopwatch.Frequency;
        double PerCall(double total) => _calls == 0 ? 0 : total / _calls;
        return new LoadResult(
            _calls, _calls / _elapsed.TotalSeconds, Percentile(0.50), Percentile(0.99), PerCall(_cpuTicks / 10.0),
            PerCall(_kernelTicks / 10.0), PerCall(_gcPauseTicks / 10.0), PerCall(_collections * 1000.0),
            PerCall(_switches), PerCall(_workItems));
    }

    /// <summary>The process's context switches so far, voluntary and not (getrusage; 0 where unavailable).</summary>
    private static long ContextSwitches()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        var usage = new RUsage();
        return GetRUsage(0, ref usage) == 0 ? usage.VoluntarySwitches + usage.InvoluntarySwitches : 0;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRUsage(int who, ref RUsage usage);

    // struct rusage on 64-bit Linux: two timevals, then 14 longs (ru_nvcsw and ru_nivcsw last).
    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds, UserMicros, SystemSeconds, SystemMicros;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals;
        public long VoluntarySwitches, InvoluntarySwitches;
    }

    private static (long Total, long Kernel) ProcessCpuTicks()
    {
        using var process = Process.GetCurrentProcess();
        return (process.TotalProcessorTime.Ticks, process.PrivilegedProcessorTime.Ticks);
    }
}

/// <summary>
/// One mode's figures: calls, calls/s, p50 and p99 in ms, process CPU µs per call (all of it, and the
/// kernel's part), GC pause µs per call, gen0 collections per 1,000 calls, and per call the process's
/// context switches (each a thread that slept and was woken, or was preempted) and thread-pool work items.
/// </summary>
internal readonly record struct LoadResult(long Calls, double Rps, double P50, double P99, double CpuMicros, double KernelMicros = 0, double GcPauseMicros = 0, double CollectionsPerThousand = 0, double Switches = 0, double WorkItems = 0);
