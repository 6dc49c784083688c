using Serving.Worker.Batching;

namespace Serving.Worker.Tests.Batching;

/// <summary>A service-time estimate given by a function of batch size.</summary>
internal sealed class FuncEstimator(Func<int, TimeSpan> estimate, Func<int, TimeSpan>? typical = null) : IServiceTimeEstimator
{
    public static FuncEstimator Constant(TimeSpan value) => new(_ => value);

    public TimeSpan Estimate(int batchSize) => estimate(batchSize);

    public TimeSpan EstimateTypical(int batchSize) => (typical ?? estimate)(batchSize);
}

/// <summary>A test request: an id, and what happened to it.</summary>
internal sealed record TestRequest(int Id);

/// <summary>
/// Records every batch and rejection. Each batch stays in flight until the test completes its
/// <see cref="InFlight"/> task source; every request must be completed exactly once.
/// </summary>
internal sealed class RecordingHandler(TimeProvider time, Func<int, TimeSpan>? estimate = null) : IBatchHandler<TestRequest>
{
    public List<(IReadOnlyList<BatchEntry<TestRequest>> Batch, DateTimeOffset SentAt)> Batches { get; } = [];

    public Queue<TaskCompletionSource> InFlight { get; } = new();

    public List<(int Id, DropReason Reason)> Rejected { get; } = [];

    public Dictionary<int, int> Completions { get; } = [];

    public List<string> Violations { get; } = [];

    public bool CompleteSynchronously { get; set; }

    public Exception? ThrowOnExecute { get; set; }

    public Task ExecuteAsync(IReadOnlyList<BatchEntry<TestRequest>> batch, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        Batches.Add((batch, now));
        var size = batch.Sum(e => e.BatchSize);
        foreach (var entry in batch)
        {
            if (entry.Deadline <= now)
            {
                Violations.Add($"request {entry.Request.Id} sent at {now:O} after its deadline {entry.Deadline:O}");
            }

            if (estimate is not null && entry.Deadline != DateTimeOffset.MaxValue && now + estimate(size) > entry.Deadline)
            {
                Violations.Add($"request {entry.Request.Id} sent in a batch of {size} that ends after its deadline");
            }

            if (entry.CancellationToken.IsCancellationRequested)
            {
                Violations.Add($"request {entry.Request.Id} sent after cancellation");
            }
        }

        if (ThrowOnExecute is { } ex)
        {
            throw ex;
        }

        foreach (var entry in batch)
        {
            Complete(entry.Request.Id);
        }

        if (CompleteSynchronously)
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource();
        InFlight.Enqueue(done);
        return done.Task;
    }

    public void Reject(TestRequest request, DropReason reason)
    {
        Rejected.Add((request.Id, reason));
        Complete(request.Id);
    }

    public IEnumerable<int> SentIds => Batches.SelectMany(b => b.Batch).Select(e => e.Request.Id);

    private void Complete(int id) => Completions[id] = Completions.GetValueOrDefault(id) + 1;
}

internal static class Entries
{
    public static readonly DateTimeOffset T0 = ManualTimeProvider.DefaultStart;

    public static BatchEntry<TestRequest> Make(
        int id,
        double enqueuedMs = 0,
        double? deadlineMs = null,
        int level = 1,
        int batchSize = 1,
        double? delayAfterMs = null,
        CancellationToken cancellationToken = default) => new()
    {
        Request = new TestRequest(id),
        EnqueuedAt = T0 + TimeSpan.FromMilliseconds(enqueuedMs),
        Deadline = deadlineMs is { } d ? T0 + TimeSpan.FromMilliseconds(d) : DateTimeOffset.MaxValue,
        DelayAfter = delayAfterMs is { } a ? T0 + TimeSpan.FromMilliseconds(a) : DateTimeOffset.MaxValue,
        PriorityLevel = level,
        BatchSize = batchSize,
        CancellationToken = cancellationToken,
    };

    public static DateTimeOffset At(double ms) => T0 + TimeSpan.FromMilliseconds(ms);

    public static IReadOnlyList<IReadOnlyList<BatchEntry<TestRequest>>> Queues(params BatchEntry<TestRequest>[] entries)
    {
        var levels = entries.Length == 0 ? 1 : entries.Max(e => e.PriorityLevel);
        return Enumerable.Range(1, levels).Select(l => (IReadOnlyList<BatchEntry<TestRequest>>)entries.Where(e => e.PriorityLevel == l).ToList()).ToList();
    }

    public static int[] Ids(IEnumerable<BatchEntry<TestRequest>> batch) => batch.Select(e => e.Request.Id).ToArray();
}
