using System.Buffers;
using System.Runtime.InteropServices;
using Serving.Grpc;
using Serving.OnnxRuntime;
using Serving.Worker.Batching;
using Serving.Worker.Reporting;

namespace Serving.Worker.Inference;

/// <summary>
/// Executes batches of one model version: gathers the requests' inputs along the batch dimension
/// into one pooled buffer per input, runs the session once, and scatters the outputs back as
/// slices of one buffer per output.
/// </summary>
/// <remarks>
/// <para>Copies are whole blocks (one per request and input on the way in); outputs are written by
/// ORT straight into a buffer allocated for the batch (<see cref="InferenceSession.RunInto"/>)
/// whenever their shape is known before the run, and each request gets a
/// <see cref="ReadOnlyMemory{T}"/> slice of it, which the response wraps without copying. The output
/// buffers are not pooled because responses keep referencing them until they are written.</para>
/// <para>Requests whose deadline passed between the batch decision and the start of compute are
/// dropped here, so nothing is computed after its deadline. Compute runs on the thread pool, one
/// work item per batch; the batcher limits how many run at once.</para>
/// </remarks>
internal sealed class BatchExecutor(LoadedModel model, InferenceSession session, WorkerMetrics metrics, TimeProvider time)
    : IBatchHandler<InferenceRequest>
{
    public Task ExecuteAsync(IReadOnlyList<BatchEntry<InferenceRequest>> batch, CancellationToken cancellationToken) =>
        Task.Run(() => Execute(batch, cancellationToken), CancellationToken.None);

    public void Reject(InferenceRequest request, DropReason reason)
    {
        if (!request.TryMarkCompleted())
        {
            return;
        }

        metrics.Rejected(model.Name, reason);
        metrics.PendingChanged(model.Name, -1);
        model.Statistics.RecordFailure(time.GetElapsedTime(request.ArrivalTimestamp));
        request.Completion.TrySetException(model.ToException(reason));
        model.NotifyLoadChanged();
    }

    private void Execute(IReadOnlyList<BatchEntry<InferenceRequest>> batch, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var live = new List<BatchEntry<InferenceRequest>>(batch.Count);
        foreach (var entry in batch)
        {
            if (entry.Deadline <= now)
            {
                Reject(entry.Request, DropReason.DeadlineExceeded);
            }
            else
            {
                live.Add(entry);
            }
        }

        if (live.Count == 0)
        {
            return;
        }

        model.OnBatchStarted(new BatchStartRecord(now, live.Select(e => e.Deadline).ToArray(), live.Sum(e => e.Request.BatchSize)));
        foreach (var group in live.GroupBy(e => e.Request.ShapeKey))
        {
            RunGroup(group.Select(e => e.Request).ToArray(), now, cancellationToken);
        }

        model.NotifyLoadChanged();
    }

    private void RunGroup(InferenceRequest[] requests, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var signature = model.Signature;
        var rows = signature.Batched ? requests.Sum(r => r.BatchSize) : 1;
        var rented = new List<byte[]>(signature.Inputs.Count);
        var t0 = time.GetTimestamp();
        try
        {
            var inputs = Gather(requests, rows, rented);
            var t1 = time.GetTimestamp();
            var outputs = Infer(inputs, requests, rows, cancellationToken);
            var t2 = time.GetTimestamp();
            var results = Scatter(requests, outputs, rows);
            var t3 = time.GetTimestamp();

            TimeSpan input = time.GetElapsedTime(t0, t1), infer = time.GetElapsedTime(t1, t2), output = time.GetElapsedTime(t2, t3);
            model.Recorder.Record(rows, input + infer + output);
            model.Statistics.RecordExecution(rows, input, infer, output);
            metrics.BatchExecuted(model.Name, rows, input + infer + output);
            var completedAt = time.GetUtcNow();
            for (var i = 0; i < requests.Length; i++)
            {
                var request = requests[i];
                if (!request.TryMarkCompleted())
                {
                    continue;
                }

                var queued = startedAt - request.ArrivedAt;
                request.QueueDuration = queued;
                request.ComputeDuration = input + infer + output;
                metrics.Queued(model.Name, queued);
                metrics.PendingChanged(model.Name, -1);
                model.Statistics.RecordSuccess(time.GetElapsedTime(request.ArrivalTimestamp), queued, input, infer, output, request.BatchSize, completedAt);
                request.Completion.TrySetResult(results[i]);
            }
        }
        catch (Exception ex)
        {
            var status = ex is OperationCanceledException
                ? new Status(StatusCode.Unavailable, $"model '{model.Name}' was unloaded during execution")
                : new Status(StatusCode.Internal, $"model '{model.Name}' failed to execute: {ex.Message}");
            foreach (var request in requests)
            {
                if (request.TryMarkCompleted())
                {
                    metrics.Rejected(model.Name, DropReason.ExecutionFailed);
                    metrics.PendingChanged(model.Name, -1);
                    model.Statistics.RecordFailure(time.GetElapsedTime(request.ArrivalTimestamp));
                    request.Completion.TrySetException(new RpcException(status));
                }
            }
        }
        finally
        {
            foreach (var buffer in rented)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>One tensor per input, the requests' bytes concatenated into a pooled buffer.</summary>
    /// <remarks>
    /// Even a lone request is copied (a memcpy of its tensor, microseconds): its bytes live in the
    /// parsed message, a young object, and ONNX Runtime needs them pinned for the whole run. Young
    /// objects pinned for hundreds of milliseconds at a time keep the GC from compacting the
    /// youngest generation (a cluster benchmark run saw DPN-131 slow down several-fold over minutes
    /// of load with the lone request's bytes pinned in place). Pooled buffers are old and stay put,
    /// so pinning them costs nothing.
    /// </remarks>
    private NamedTensor[] Gather(InferenceRequest[] requests, int rows, List<byte[]> rented)
    {
        var signature = model.Signature;
        var tensors = new NamedTensor[signature.Inputs.Count];
        for (var i = 0; i < tensors.Length; i++)
        {
            var input = signature.Inputs[i];
            var total = 0;
            foreach (var request in requests)
            {
                total += request.Inputs[i].Bytes.Length;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(total);
            rented.Add(buffer);
            var offset = 0;
            foreach (var request in requests)
            {
                var bytes = request.Inputs[i].Bytes.Span;
                bytes.CopyTo(buffer.AsSpan(offset));
                offset += bytes.Length;
            }

            long[] shape = requests.Length == 1 ? requests[0].Inputs[i].Shape : [rows, .. requests[0].Inputs[i].Shape.AsSpan(1)];
            tensors[i] = new NamedTensor(input.Name, input.ElementType, shape, buffer.AsMemory(0, total));
        }

        return tensors;
    }

    private Dictionary<string, (long[] Shape, TensorElementType Type, byte[] Bytes)> Infer(NamedTensor[] inputs, InferenceRequest[] requests, int rows, CancellationToken cancellationToken)
    {
        var names = requests.Length == 1 ? requests[0].OutputNames : requests.SelectMany(r => r.OutputNames).Distinct().ToArray();
        var outputs = new Dictionary<string, (long[], TensorElementType, byte[])>(names.Length, StringComparer.Ordinal);
        var prepared = new NamedTensor[names.Length];
        var known = true;
        for (var i = 0; i < names.Length && known; i++)
        {
            var metadata = session.Outputs.First(o => o.Name == names[i]);
            var shape = metadata.Shape.ToArray();
            if (model.Signature.Batched && shape.Length > 0)
            {
                shape[0] = rows;
            }

            known = shape.All(d => d >= 0) && metadata.ElementType.ElementSize() > 0;
            if (known)
            {
                var buffer = new byte[checked((int)TensorElementTypes.ElementCount(shape) * metadata.ElementType.ElementSize())];
                prepared[i] = new NamedTensor(names[i], metadata.ElementType, shape, buffer);
                outputs[names[i]] = (shape, metadata.ElementType, buffer);
            }
        }

        if (known)
        {
            session.RunInto(inputs, prepared, cancellationToken);
            return outputs;
        }

        // A free dimension besides the batch: ORT sizes the outputs; copy each once out of its pooled buffer.
        outputs.Clear();
        using var result = session.Run(inputs, names, cancellationToken);
        foreach (var tensor in result)
        {
            outputs[tensor.Name] = (tensor.Shape, tensor.ElementType, tensor.Data.ToArray());
        }

        return outputs;
    }

    private IReadOnlyList<OutputData>[] Scatter(InferenceRequest[] requests, Dictionary<string, (long[] Shape, TensorElementType Type, byte[] Bytes)> outputs, int rows)
    {
        var results = new IReadOnlyList<OutputData>[requests.Length];
        var row = 0;
        for (var r = 0; r < requests.Length; r++)
        {
            var request = requests[r];
            var list = new OutputData[request.OutputNames.Length];
            for (var o = 0; o < list.Length; o++)
            {
                var (shape, type, bytes) = outputs[request.OutputNames[o]];
                var datatype = type.ToKServeDatatype();
                if (!model.Signature.Batched)
                {
                    list[o] = new OutputData(request.OutputNames[o], datatype, shape, bytes);
                    continue;
                }

                var rowBytes = bytes.Length / rows;
                list[o] = new OutputData(request.OutputNames[o], datatype, [request.BatchSize, .. shape.AsSpan(1)],
                    bytes.AsMemory(row * rowBytes, request.BatchSize * rowBytes));
            }

            row += request.BatchSize;
            results[r] = list;
        }

        return results;
    }
}
