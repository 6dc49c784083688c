using Serving.Grpc;

namespace Serving.Worker.Inference;

/// <summary>One input of a decoded request: its bytes (row-major, little-endian) and full shape.</summary>
/// <param name="Bytes">The tensor data; for raw inputs a view of the request's protobuf bytes (no copy).</param>
/// <param name="Shape">The shape as sent, batch dimension first for batched models.</param>
public readonly record struct InputData(ReadOnlyMemory<byte> Bytes, long[] Shape);

/// <summary>One output of a completed request: a slice of the batch's output buffer.</summary>
public sealed record OutputData(string Name, string Datatype, long[] Shape, ReadOnlyMemory<byte> Bytes);

/// <summary>
/// A validated inference request as the batcher and executor see it. Created by the service's
/// decoder; completed exactly once through <see cref="Completion"/> (with a result or an
/// <see cref="RpcException"/>).
/// </summary>
public sealed class InferenceRequest
{
    /// <summary>The request id, echoed in the response.</summary>
    public string Id { get; init; } = "";

    /// <summary>Inputs in the model's input order.</summary>
    public required InputData[] Inputs { get; init; }

    /// <summary>Elements along the batch dimension (1 for unbatched models).</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Outputs to return, in response order.</summary>
    public required string[] OutputNames { get; init; }

    /// <summary>Groups requests whose non-batch dimensions agree, so they can share one buffer.</summary>
    public string ShapeKey { get; init; } = "";

    /// <summary>When the worker accepted it (set by <see cref="LoadedModel.InferAsync"/>).</summary>
    public DateTimeOffset ArrivedAt { get; internal set; }

    /// <summary>The caller's deadline; MaxValue when none (set by <see cref="LoadedModel.InferAsync"/>).</summary>
    public DateTimeOffset Deadline { get; internal set; } = DateTimeOffset.MaxValue;

    internal long ArrivalTimestamp { get; set; }

    /// <summary>Time spent queued before its batch started (set on success).</summary>
    public TimeSpan QueueDuration { get; internal set; }

    /// <summary>Time its batch took to gather inputs, compute and scatter outputs (set on success).</summary>
    public TimeSpan ComputeDuration { get; internal set; }

    private int _completed;

    // The batcher may report a batch it already handed out as failed; only the first completion counts.
    internal bool TryMarkCompleted() => Interlocked.Exchange(ref _completed, 1) == 0;

    /// <summary>Completed with the outputs, or faulted with an <see cref="RpcException"/>.</summary>
    internal TaskCompletionSource<IReadOnlyList<OutputData>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>What the executor saw when it started a batch: the start instant and each request's deadline.</summary>
/// <param name="StartedAt">The clock when compute started (after expired requests were removed).</param>
/// <param name="Deadlines">The deadline of every request in the batch.</param>
/// <param name="BatchSize">Elements along the batch dimension.</param>
public sealed record BatchStartRecord(DateTimeOffset StartedAt, IReadOnlyList<DateTimeOffset> Deadlines, int BatchSize);
