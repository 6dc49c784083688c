using Serving.Worker.Batching;

namespace Serving.Worker.Tests.Batching;

public sealed class DynamicBatcherPropertyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Batcher_RandomArrivals_NoRequestSentLateAndEveryRequestCompletesOnce(int seed)
    {
        var random = new Random(seed);
        var time = new ManualTimeProvider();
        Func<int, TimeSpan> serviceTime = n => TimeSpan.FromMicroseconds(500 + (200 * n));
        var options = new BatchingOptions
        {
            MaxBatchSize = random.Next(1, 9),
            PreferredBatchSizes = random.Next(2) == 0 ? [] : [random.Next(1, 9)],
            MaxQueueDelay = TimeSpan.FromMicroseconds(random.Next(0, 3000)),
            PriorityLevels = random.Next(1, 4),
            DefaultPriorityLevel = 1,
            MaxQueueSize = random.Next(0, 20),
            DefaultTimeout = random.Next(3) == 0 ? TimeSpan.FromMilliseconds(random.Next(1, 20)) : TimeSpan.Zero,
            AllowTimeoutOverride = random.Next(2) == 0,
            DelayTimedOutRequests = random.Next(2) == 0,
            InstanceCount = random.Next(1, 4),
        };
        options = options with { PreferredBatchSizes = options.PreferredBatchSizes.Where(p => p <= options.MaxBatchSize).ToArray() };
        var handler = new RecordingHandler(time, serviceTime);
        var batcher = new DynamicBatcher<TestRequest>(options, new FuncEstimator(serviceTime), handler, time);
        var cancellations = new List<CancellationTokenSource>();
        var rejectedAtEnqueue = new HashSet<int>();
        var nextId = 0;

        for (var step = 0; step < 400; step++)
        {
            var burst = random.Next(0, 4);
            for (var i = 0; i < burst; i++)
            {
                var id = nextId++;
                var cts = new CancellationTokenSource();
                cancellations.Add(cts);
                DateTimeOffset? deadline = random.Next(4) == 0 ? null : time.GetUtcNow() + TimeSpan.FromMicroseconds(random.Next(0, 20_000));
                var result = batcher.TryEnqueue(
                    new TestRequest(id),
                    batchSize: random.Next(1, options.MaxBatchSize + 1),
                    priority: random.Next(0, options.PriorityLevels + 2),
                    deadline: deadline,
                    timeout: random.Next(3) == 0 ? TimeSpan.FromMicroseconds(random.Next(1, 10_000)) : null,
                    cancellationToken: cts.Token);
                if (!result.IsAccepted)
                {
                    rejectedAtEnqueue.Add(id);
                }
            }

            if (random.Next(10) == 0 && cancellations.Count > 0)
            {
                cancellations[random.Next(cancellations.Count)].Cancel();
            }

            // Batches finish in order after a random share of the step.
            if (handler.InFlight.Count > 0 && random.Next(3) > 0)
            {
                handler.InFlight.Dequeue().SetResult();
            }

            time.Advance(TimeSpan.FromMicroseconds(random.Next(0, 1500)));
        }

        // Let everything settle: finish in-flight batches and run out every timer.
        for (var i = 0; i < 10_000 && (handler.InFlight.Count > 0 || batcher.GetLoad().QueuedRequests > 0); i++)
        {
            if (handler.InFlight.Count > 0)
            {
                handler.InFlight.Dequeue().SetResult();
            }

            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Empty(handler.Violations);
        Assert.Equal(0, batcher.GetLoad().QueuedRequests);
        for (var id = 0; id < nextId; id++)
        {
            var expected = rejectedAtEnqueue.Contains(id) ? 0 : 1;
            Assert.True(handler.Completions.GetValueOrDefault(id) == expected, $"request {id} completed {handler.Completions.GetValueOrDefault(id)} times, expected {expected}");
        }

        Assert.True(handler.Batches.Count > 10, "the pattern should have produced batches");
        Assert.All(handler.Batches, b => Assert.InRange(b.Batch.Sum(e => e.BatchSize), 1, options.MaxBatchSize));
        batcher.Dispose();
        cancellations.ForEach(c => c.Dispose());
    }
}
