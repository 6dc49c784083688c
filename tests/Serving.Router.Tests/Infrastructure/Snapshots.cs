using System.Collections.Immutable;
using Serving.Router.Selection;

namespace Serving.Router.Tests.Infrastructure;

/// <summary>Terse builders of selection inputs.</summary>
internal static class Snapshots
{
    public static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly SloClass Interactive = new("interactive", TimeSpan.FromMilliseconds(100), 0.99);

    public static readonly SloClass Standard = new("standard", TimeSpan.FromMilliseconds(500), 0.99);

    public static readonly SloClass Batch = new("batch", TimeSpan.FromSeconds(10), 0.5);

    /// <summary>A profile with one point per given batch size: p50 = <paramref name="p50Ms"/> × size^0.5, p99 = <paramref name="p99Ms"/> × size^0.5.</summary>
    public static ServiceTimeProfile Profile(double p50Ms, double p99Ms, params int[] batchSizes) =>
        new((batchSizes.Length == 0 ? [1] : batchSizes).Select(n => new BatchServiceTime(
            n,
            TimeSpan.FromMilliseconds(p50Ms * Math.Sqrt(n)),
            TimeSpan.FromMilliseconds(p99Ms * Math.Sqrt(n)))));

    /// <summary>A ready model with a flat profile (same time for every batch size up to <paramref name="maxBatch"/>).</summary>
    public static ModelLoadSnapshot Load(
        string model,
        double p50Ms = 10,
        double p99Ms = 20,
        int queued = 0,
        int inFlight = 0,
        int maxBatch = 1,
        int instances = 1,
        bool ready = true,
        int sent = 0,
        int[]? queuePerPriority = null,
        ServiceTimeProfile? profile = null) =>
        new(
            model,
            "1",
            ready,
            (queuePerPriority ?? [queued]).ToImmutableArray(),
            inFlight,
            maxBatch,
            instances,
            profile ?? new ServiceTimeProfile([new BatchServiceTime(maxBatch, TimeSpan.FromMilliseconds(p50Ms), TimeSpan.FromMilliseconds(p99Ms))]),
            sent);

    public static WorkerSnapshot Worker(string id, params ModelLoadSnapshot[] models) => WorkerSnapshot.Create(id, reachable: true, models);

    public static WorkerSnapshot Unreachable(string id, params ModelLoadSnapshot[] models) => WorkerSnapshot.Create(id, reachable: false, models);

    public static ClusterSnapshot Cluster(params WorkerSnapshot[] workers) => new([.. workers], Now);

    public static SelectionRequest Request(string task, SloClass slo, double? budgetMs = null) =>
        new(task, slo, Now + (budgetMs is { } ms ? TimeSpan.FromMilliseconds(ms) : slo.Budget));
}
