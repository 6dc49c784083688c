using Serving.Protocol.Inference;

namespace Serving.Worker.Inference;

/// <summary>
/// Cumulative per-version counters behind ModelStatistics (Triton's meaning: request-level
/// durations counted once per request; batch-level ones once per execution and batch size).
/// </summary>
/// <remarks>Thread-safe: one lock guards every counter; it is held for a few additions.</remarks>
internal sealed class ModelStatisticsCounters
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<int, BatchCounters> _batches = [];
    private Duration _success;
    private Duration _fail;
    private Duration _queue;
    private Duration _computeInput;
    private Duration _computeInfer;
    private Duration _computeOutput;
    private ulong _inferenceCount;
    private ulong _executionCount;
    private ulong _lastInferenceMs;

    public void RecordSuccess(TimeSpan total, TimeSpan queue, TimeSpan input, TimeSpan infer, TimeSpan output, int elements, DateTimeOffset now)
    {
        lock (_lock)
        {
            _success.Add(total);
            _queue.Add(queue);
            _computeInput.Add(input);
            _computeInfer.Add(infer);
            _computeOutput.Add(output);
            _inferenceCount += (ulong)elements;
            _lastInferenceMs = (ulong)now.ToUnixTimeMilliseconds();
        }
    }

    public void RecordFailure(TimeSpan total)
    {
        lock (_lock)
        {
            _fail.Add(total);
        }
    }

    public void RecordExecution(int batchSize, TimeSpan input, TimeSpan infer, TimeSpan output)
    {
        lock (_lock)
        {
            _executionCount++;
            if (!_batches.TryGetValue(batchSize, out var counters))
            {
                counters = new BatchCounters();
                _batches.Add(batchSize, counters);
            }

            counters.Input.Add(input);
            counters.Infer.Add(infer);
            counters.Output.Add(output);
        }
    }

    public ModelStatistics ToProto(string name, string version)
    {
        lock (_lock)
        {
            var proto = new ModelStatistics
            {
                Name = name,
                Version = version,
                LastInference = _lastInferenceMs,
                InferenceCount = _inferenceCount,
                ExecutionCount = _executionCount,
                InferenceStats = new InferStatistics
                {
                    Success = _success.ToProto(),
                    Fail = _fail.ToProto(),
                    Queue = _queue.ToProto(),
                    ComputeInput = _computeInput.ToProto(),
                    ComputeInfer = _computeInfer.ToProto(),
                    ComputeOutput = _computeOutput.ToProto(),
                    CacheHit = new StatisticDuration(),
                    CacheMiss = new StatisticDuration(),
                },
            };
            foreach (var (size, counters) in _batches)
            {
                proto.BatchStats.Add(new InferBatchStatistics
                {
                    BatchSize = (ulong)size,
                    ComputeInput = counters.Input.ToProto(),
                    ComputeInfer = counters.Infer.ToProto(),
                    ComputeOutput = counters.Output.ToProto(),
                });
            }

            return proto;
        }
    }

    private struct Duration
    {
        public ulong Count;
        public ulong Nanoseconds;

        public void Add(TimeSpan duration)
        {
            Count++;
            Nanoseconds += (ulong)Math.Max(0, duration.Ticks) * 100;
        }

        public readonly StatisticDuration ToProto() => new() { Count = Count, Ns = Nanoseconds };
    }

    private sealed class BatchCounters
    {
        public Duration Input;
        public Duration Infer;
        public Duration Output;
    }
}
