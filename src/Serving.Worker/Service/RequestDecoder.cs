using System.Runtime.InteropServices;
using Google.Protobuf;
using Serving.Grpc;
using Serving.OnnxRuntime;
using Serving.Protocol.Inference;
using Serving.Worker.Inference;

namespace Serving.Worker.Service;

/// <summary>
/// Checks a ModelInferRequest against a model's signature and turns it into an
/// <see cref="InferenceRequest"/>; every refusal is INVALID_ARGUMENT naming the tensor and what was expected.
/// </summary>
/// <remarks>Raw inputs are referenced in place (no copy); typed contents are converted once.</remarks>
internal static class RequestDecoder
{
    public static InferenceRequest Decode(ModelInferRequest request, LoadedModel model)
    {
        var signature = model.Signature;
        var useRaw = request.RawInputContents.Count > 0;
        if (useRaw)
        {
            var typed = request.Inputs.FirstOrDefault(i => i.Contents is not null);
            if (typed is not null)
            {
                throw Invalid($"input '{typed.Name}' has typed contents while the request also uses raw_input_contents; use one or the other");
            }

            if (request.RawInputContents.Count != request.Inputs.Count)
            {
                throw Invalid($"raw_input_contents has {request.RawInputContents.Count} entries for {request.Inputs.Count} inputs; expected one per input");
            }
        }

        var inputs = new InputData[signature.Inputs.Count];
        var seen = new bool[signature.Inputs.Count];
        long batch = -1;
        for (var k = 0; k < request.Inputs.Count; k++)
        {
            var tensor = request.Inputs[k];
            var index = IndexOf(signature.Inputs, tensor.Name);
            if (index < 0)
            {
                throw Invalid($"unexpected input '{tensor.Name}': model '{model.Name}' has inputs {Names(signature.Inputs)}");
            }

            if (seen[index])
            {
                throw Invalid($"input '{tensor.Name}' is given twice");
            }

            seen[index] = true;
            var expected = signature.Inputs[index];
            if (tensor.Datatype != expected.Datatype)
            {
                throw Invalid($"input '{tensor.Name}': datatype {Quote(tensor.Datatype)} given, expected {expected.Datatype}");
            }

            var shape = tensor.Shape.ToArray();
            CheckShape(tensor.Name, shape, expected, signature, model.Config.MaxBatchSize);
            if (signature.Batched)
            {
                if (batch >= 0 && shape[0] != batch)
                {
                    throw Invalid($"input '{tensor.Name}': batch size {shape[0]} differs from the other inputs' {batch}");
                }

                batch = shape[0];
            }

            var elements = TensorElementTypes.ElementCount(shape);
            var elementSize = expected.ElementType.ElementSize();
            if (elementSize == 0)
            {
                throw Invalid($"input '{tensor.Name}': datatype {expected.Datatype} is not supported by this worker");
            }

            ReadOnlyMemory<byte> bytes;
            if (useRaw)
            {
                var raw = request.RawInputContents[k];
                if (raw.Length != elements * elementSize)
                {
                    throw Invalid($"input '{tensor.Name}': {raw.Length} bytes given, expected {elements * elementSize} ({expected.Datatype} shape {Format(shape)})");
                }

                bytes = raw.Memory;
            }
            else
            {
                if (tensor.Contents is null)
                {
                    throw Invalid($"input '{tensor.Name}' has no data: expected typed contents or raw_input_contents");
                }

                bytes = FromTyped(tensor.Name, tensor.Contents, expected, elements);
            }

            inputs[index] = new InputData(bytes, shape);
        }

        for (var i = 0; i < seen.Length; i++)
        {
            if (!seen[i])
            {
                var missing = signature.Inputs[i];
                throw Invalid($"input '{missing.Name}' is missing: expected {missing.Datatype} {Format(missing.WireShape(signature.Batched))}");
            }
        }

        string[] outputs;
        if (request.Outputs.Count == 0)
        {
            outputs = signature.Outputs.Select(o => o.Name).ToArray();
        }
        else
        {
            outputs = new string[request.Outputs.Count];
            for (var i = 0; i < outputs.Length; i++)
            {
                var name = request.Outputs[i].Name;
                if (IndexOf(signature.Outputs, name) < 0)
                {
                    throw Invalid($"unknown output '{name}': model '{model.Name}' has outputs {Names(signature.Outputs)}");
                }

                outputs[i] = name;
            }
        }

        return new InferenceRequest
        {
            Id = request.Id,
            Inputs = inputs,
            BatchSize = signature.Batched ? (int)batch : 1,
            OutputNames = outputs,
            ShapeKey = signature.Batched && signature.Inputs.Any(t => t.Dims.Contains(-1))
                ? string.Join(";", inputs.Select(i => string.Join(",", i.Shape.Skip(1))))
                : "",
        };
    }

    /// <summary>Reads the Triton parameters <c>priority</c> and <c>timeout</c> (microseconds).</summary>
    public static (long Priority, TimeSpan? Timeout) ReadParameters(ModelInferRequest request)
    {
        long priority = 0;
        TimeSpan? timeout = null;
        if (request.Parameters.TryGetValue("priority", out var p))
        {
            priority = p.ParameterChoiceCase switch
            {
                InferParameter.ParameterChoiceOneofCase.Int64Param when p.Int64Param >= 0 => p.Int64Param,
                InferParameter.ParameterChoiceOneofCase.Uint64Param => (long)Math.Min(p.Uint64Param, long.MaxValue),
                _ => throw Invalid("parameter 'priority' must be a non-negative integer (int64_param or uint64_param)"),
            };
        }

        if (request.Parameters.TryGetValue("timeout", out var t))
        {
            var micros = t.ParameterChoiceCase switch
            {
                InferParameter.ParameterChoiceOneofCase.Int64Param when t.Int64Param >= 0 => t.Int64Param,
                InferParameter.ParameterChoiceOneofCase.Uint64Param => (long)Math.Min(t.Uint64Param, long.MaxValue / 10),
                _ => throw Invalid("parameter 'timeout' must be a non-negative integer number of microseconds"),
            };
            timeout = micros > 0 ? TimeSpan.FromMicroseconds(Math.Min(micros, TimeSpan.MaxValue.Ticks / 10)) : null;
        }

        return (priority, timeout);
    }

    private static void CheckShape(string name, long[] shape, TensorSignature expected, ModelSignature signature, int maxBatchSize)
    {
        var offset = signature.Batched ? 1 : 0;
        var ok = shape.Length == expected.Dims.Length + offset && shape.All(d => d >= 0);
        for (var i = 0; ok && i < expected.Dims.Length; i++)
        {
            ok = expected.Dims[i] < 0 || expected.Dims[i] == shape[i + offset];
        }

        if (!ok)
        {
            throw Invalid($"input '{name}': shape {Format(shape)} given, expected {Format(expected.WireShape(signature.Batched))}");
        }

        if (signature.Batched && (shape[0] < 1 || shape[0] > maxBatchSize))
        {
            throw Invalid($"input '{name}': batch size {shape[0]} given, expected 1 to max_batch_size {maxBatchSize}");
        }
    }

    private static ReadOnlyMemory<byte> FromTyped(string name, InferTensorContents contents, TensorSignature expected, long elements)
    {
        byte[] Convert<TSource, TTarget>(IReadOnlyList<TSource> values, Func<TSource, TTarget> convert, string field)
            where TTarget : struct
        {
            if (values.Count != elements)
            {
                throw Invalid($"input '{name}': {values.Count} elements given in {field}, expected {elements}");
            }

            var target = new TTarget[values.Count];
            for (var i = 0; i < target.Length; i++)
            {
                target[i] = convert(values[i]);
            }

            return MemoryMarshal.AsBytes(target.AsSpan()).ToArray();
        }

        return expected.ElementType switch
        {
            TensorElementType.Float => Convert(contents.Fp32Contents, v => v, "fp32_contents"),
            TensorElementType.Double => Convert(contents.Fp64Contents, v => v, "fp64_contents"),
            TensorElementType.Int64 => Convert(contents.Int64Contents, v => v, "int64_contents"),
            TensorElementType.Int32 => Convert(contents.IntContents, v => v, "int_contents"),
            TensorElementType.Int16 => Convert(contents.IntContents, v => (short)v, "int_contents"),
            TensorElementType.Int8 => Convert(contents.IntContents, v => (sbyte)v, "int_contents"),
            TensorElementType.UInt64 => Convert(contents.Uint64Contents, v => v, "uint64_contents"),
            TensorElementType.UInt32 => Convert(contents.UintContents, v => v, "uint_contents"),
            TensorElementType.UInt16 => Convert(contents.UintContents, v => (ushort)v, "uint_contents"),
            TensorElementType.UInt8 => Convert(contents.UintContents, v => (byte)v, "uint_contents"),
            TensorElementType.Bool => Convert(contents.BoolContents, v => v, "bool_contents"),
            _ => throw Invalid($"input '{name}': {expected.Datatype} has no typed contents; send it in raw_input_contents"),
        };
    }

    private static int IndexOf(IReadOnlyList<TensorSignature> tensors, string name)
    {
        for (var i = 0; i < tensors.Count; i++)
        {
            if (tensors[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static string Names(IReadOnlyList<TensorSignature> tensors) => "[" + string.Join(", ", tensors.Select(t => $"'{t.Name}'")) + "]";

    private static string Quote(string datatype) => datatype.Length == 0 ? "(empty)" : datatype;

    internal static string Format(IEnumerable<long> shape) => "[" + string.Join(",", shape) + "]";

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}

/// <summary>Builds responses whose raw outputs wrap the batch buffers without copying.</summary>
internal static class ResponseEncoder
{
    /// <summary>Name of the response parameter with the request's queue time, microseconds (int64).</summary>
    public const string QueueMicrosParameter = "queue_us";

    /// <summary>Name of the response parameter with its batch's compute time, microseconds (int64).</summary>
    public const string ComputeMicrosParameter = "compute_us";

    public static ModelInferResponse Encode(LoadedModel model, InferenceRequest request, IReadOnlyList<OutputData> outputs)
    {
        var response = new ModelInferResponse { ModelName = model.Name, ModelVersion = model.VersionText, Id = request.Id };
        // Where the time went, for the router's ServedBy and for clients (Triton reports the same in statistics only).
        response.Parameters[QueueMicrosParameter] = new InferParameter { Int64Param = (long)request.QueueDuration.TotalMicroseconds };
        response.Parameters[ComputeMicrosParameter] = new InferParameter { Int64Param = (long)request.ComputeDuration.TotalMicroseconds };
        foreach (var output in outputs)
        {
            var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = output.Name, Datatype = output.Datatype };
            tensor.Shape.AddRange(output.Shape);
            response.Outputs.Add(tensor);
            response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(output.Bytes));
        }

        return response;
    }
}
