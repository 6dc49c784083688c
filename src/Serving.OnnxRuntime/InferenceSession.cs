using System.Buffers;
using System.Runtime.InteropServices;
using Serving.OnnxRuntime.Internal;

namespace Serving.OnnxRuntime;

/// <summary>
/// A loaded ONNX model (<c>OrtSession</c>) with its input/output metadata and <c>Run</c>.
/// </summary>
/// <remarks>
/// <para>Thread safety: <c>Run</c>, <c>RunInto</c> and the metadata may be used from many threads at once on
/// one session; ORT documents concurrent <c>Run</c> calls on a session as safe, and this wrapper keeps no
/// per-run state outside the call (each run pins its own inputs and creates its own run options).
/// <see cref="Dispose"/> may race with running calls: the native session is released only after the last
/// running call returns.</para>
/// <para>Ownership: the session owns the native session and the native copies of its input/output names
/// (kept for the hot path); every <c>OrtValue</c> a run creates is released before the call returns.</para>
/// </remarks>
public sealed unsafe class InferenceSession : IDisposable
{
    private readonly SessionHandle _session;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    private readonly OrtEnvironment _environment;

    private InferenceSession(OrtEnvironment environment, SessionHandle session)
    {
        _environment = environment;
        _session = session;
        Inputs = ReadMetadata(session, isInput: true);
        Outputs = ReadMetadata(session, isInput: false);
        _inputIndex = Index(Inputs);
        _outputIndex = Index(Outputs);
        session.InputNames = Utf8.AllocateArray(Inputs.Select(i => i.Name).ToArray());
        session.InputCount = Inputs.Count;
        session.OutputNames = Utf8.AllocateArray(Outputs.Select(o => o.Name).ToArray());
        session.OutputCount = Outputs.Count;
    }

    /// <summary>The model's inputs, in model order.</summary>
    public IReadOnlyList<TensorMetadata> Inputs { get; }

    /// <summary>The model's outputs, in model order.</summary>
    public IReadOnlyList<TensorMetadata> Outputs { get; }

    /// <summary>Loads a model file.</summary>
    /// <exception cref="OrtException">ORT rejected the file or the options (missing file, invalid model, unavailable provider).</exception>
    public static InferenceSession Create(string modelPath, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        OrtEnvironment environment = OrtEnvironment.Instance;
        using SessionOptionsHandle nativeOptions = NativeSessionOptions.Create(options ?? new SessionOptions(), environment);
        byte* path = Utf8.Allocate(modelPath);
        try
        {
            nint session;
            NativeApi.Check(NativeApi.Api->CreateSession(environment.Handle, path, nativeOptions.DangerousGetHandle(), &session));
            return Wrap(environment, session);
        }
        finally
        {
            Utf8.Free(path);
        }
    }

    /// <summary>Loads a model from its serialized bytes (ORT copies what it needs; the span may be reused after).</summary>
    public static InferenceSession Create(ReadOnlySpan<byte> model, SessionOptions? options = null)
    {
        OrtEnvironment environment = OrtEnvironment.Instance;
        using SessionOptionsHandle nativeOptions = NativeSessionOptions.Create(options ?? new SessionOptions(), environment);
        fixed (byte* data = model)
        {
            nint session;
            NativeApi.Check(NativeApi.Api->CreateSessionFromArray(
                environment.Handle, data, (nuint)model.Length, nativeOptions.DangerousGetHandle(), &session));
            return Wrap(environment, session);
        }
    }

    /// <summary>Runs the model and returns every output, in model order, copied into pooled buffers.</summary>
    /// <exception cref="OrtException">ORT rejected the inputs (unknown name, wrong type or shape) or failed; the message is ORT's.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before or during the run.</exception>
    public RunResult Run(IReadOnlyList<NamedTensor> inputs, CancellationToken cancellationToken = default) =>
        Run(inputs, outputNames: null, cancellationToken);

    /// <summary>Runs the model and returns the named outputs (all when null), in the order given.</summary>
    public RunResult Run(IReadOnlyList<NamedTensor> inputs, IReadOnlyList<string>? outputNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        int count = outputNames?.Count ?? Outputs.Count;
        var values = new nint[count];
        var names = new string[count];
        List<nint>? temporaryNames = null;
        bool added = false;
        try
        {
            _session.DangerousAddRef(ref added);
            byte** outputNamePointers = outputNames is null
                ? _session.OutputNames
                : NamePointers(outputNames, _outputIndex, _session.OutputNames, ref temporaryNames);
            for (int i = 0; i < count; i++)
            {
                names[i] = outputNames?[i] ?? Outputs[i].Name;
            }

            try
            {
                fixed (nint* outputValues = values)
                {
                    RunCore(inputs, outputNamePointers, outputValues, count, cancellationToken);
                }
            }
            finally
            {
                if (outputNames is not null)
                {
                    NativeMemory.Free(outputNamePointers);
                }
            }

            return ReadOutputs(values, names);
        }
        finally
        {
            // ReadOutputs copied what it needed; every OrtValue ORT allocated is released here, on success or not.
            foreach (nint value in values)
            {
                if (value != 0)
                {
                    NativeApi.Api->ReleaseValue(value);
                }
            }

            FreeAll(temporaryNames);
            if (added)
            {
                _session.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Runs the model writing into caller-allocated outputs: each <paramref name="outputs"/> entry names an
    /// output and gives memory of exactly its size, which ORT fills in place (no copy).
    /// </summary>
    /// <exception cref="ArgumentException">An output is a BYTES tensor (ORT owns string storage; use <see cref="Run(IReadOnlyList{NamedTensor}, CancellationToken)"/>).</exception>
    public void RunInto(IReadOnlyList<NamedTensor> inputs, IReadOnlyList<NamedTensor> outputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        int count = outputs.Count;
        var values = new nint[count];
        var pins = new MemoryHandle[count];
        var outputNames = new string[count];
        List<nint>? temporaryNames = null;
        bool added = false;
        try
        {
            _session.DangerousAddRef(ref added);
            for (int i = 0; i < count; i++)
            {
                NamedTensor output = outputs[i];
                if (output.ElementType == TensorElementType.String)
                {
                    throw new ArgumentException($"Output '{output.Name}' is a BYTES tensor; caller-allocated outputs must be numeric.", nameof(outputs));
                }

                outputNames[i] = output.Name;
                values[i] = CreateTensorOverMemory(output, ref pins[i]);
            }

            byte** names = NamePointers(outputNames, _outputIndex, _session.OutputNames, ref temporaryNames);
            try
            {
                fixed (nint* outputValues = values)
                {
                    RunCore(inputs, names, outputValues, count, cancellationToken);
                }
            }
            finally
            {
                NativeMemory.Free(names);
            }
        }
        finally
        {
            for (int i = 0; i < count; i++)
            {
                if (values[i] != 0)
                {
                    NativeApi.Api->ReleaseValue(values[i]);
                }

                pins[i].Dispose();
            }

            FreeAll(temporaryNames);
            if (added)
            {
                _session.DangerousRelease();
            }
        }
    }

    /// <summary>Releases the native session (after any running call returns).</summary>
    public void Dispose() => _session.Dispose();

    private void RunCore(IReadOnlyList<NamedTensor> inputs, byte** outputNames, nint* outputValues, int outputCount, CancellationToken cancellationToken)
    {
        int inputCount = inputs.Count;
        MemoryHandle[] pins = ArrayPool<MemoryHandle>.Shared.Rent(Math.Max(inputCount, 1));
        var inputValues = (nint*)NativeMemory.AllocZeroed((nuint)Math.Max(inputCount, 1), (nuint)sizeof(nint));
        var inputNames = (byte**)NativeMemory.AllocZeroed((nuint)Math.Max(inputCount, 1), (nuint)sizeof(byte*));
        List<nint>? temporaryNames = null;
        RunOptionsHandle? runOptions = null;
        CancellationTokenRegistration registration = default;
        try
        {
            for (int i = 0; i < inputCount; i++)
            {
                NamedTensor input = inputs[i];
                inputNames[i] = NamePointer(input.Name, _inputIndex, _session.InputNames, ref temporaryNames);
                inputValues[i] = input.ElementType == TensorElementType.String
                    ? CreateStringTensor(input)
                    : CreateTensorOverMemory(input, ref pins[i]);
            }

            nint runOptionsHandle = 0;
            if (cancellationToken.CanBeCanceled)
            {
                // Per-run options: the terminate flag belongs to this run only. If the token is cancelled
                // already, Register sets the flag at once and ORT fails the run before computing.
                nint raw;
                NativeApi.Check(NativeApi.Api->CreateRunOptions(&raw));
                runOptions = new RunOptionsHandle(raw);
                runOptionsHandle = raw;
                registration = cancellationToken.UnsafeRegister(static state => Terminate((RunOptionsHandle)state!), runOptions);
            }

            nint status = NativeApi.Api->Run(
                _session.DangerousGetHandle(), runOptionsHandle, inputNames, inputValues, (nuint)inputCount,
                outputNames, (nuint)outputCount, outputValues);
            if (status != 0)
            {
                OrtException error = NativeApi.ToException(status);
                if (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException($"The run was cancelled: {error.OrtMessage}", error, cancellationToken);
                }

                throw error;
            }
        }
        finally
        {
            // Dispose waits for a callback already running, so the run options outlive every SetTerminate.
            registration.Dispose();
            runOptions?.Dispose();
            for (int i = 0; i < inputCount; i++)
            {
                if (inputValues[i] != 0)
                {
                    NativeApi.Api->ReleaseValue(inputValues[i]);
                }

                pins[i].Dispose();
                pins[i] = default;
            }

            ArrayPool<MemoryHandle>.Shared.Return(pins);
            NativeMemory.Free(inputValues);
            NativeMemory.Free(inputNames);
            FreeAll(temporaryNames);
        }
    }

    private static void Terminate(RunOptionsHandle runOptions)
    {
        nint status = NativeApi.Api->RunOptionsSetTerminate(runOptions.DangerousGetHandle());
        if (status != 0)
        {
            // Runs on the cancelling thread: report nothing there; the run just completes normally.
            NativeApi.Api->ReleaseStatus(status);
        }
    }

    /// <summary>An OrtValue over the tensor's pinned memory; the pin is stored in <paramref name="pin"/> for the caller to release.</summary>
    private nint CreateTensorOverMemory(in NamedTensor tensor, ref MemoryHandle pin)
    {
        pin = tensor.Pin();
        long[] shape = tensor.Shape;
        nint value;
        fixed (long* dims = shape)
        {
            NativeApi.Check(NativeApi.Api->CreateTensorWithDataAsOrtValue(
                _environment.CpuMemoryInfo, pin.Pointer, (nuint)tensor.ByteLength, dims, (nuint)shape.Length,
                (int)tensor.ElementType, &value));
        }

        return value;
    }

    private static nint CreateStringTensor(in NamedTensor tensor)
    {
        string[] strings = tensor.Strings!;
        long[] shape = tensor.Shape;
        nint value;
        fixed (long* dims = shape)
        {
            NativeApi.Check(NativeApi.Api->CreateTensorAsOrtValue(
                NativeApi.DefaultAllocator, dims, (nuint)shape.Length, (int)TensorElementType.String, &value));
        }

        byte** native = Utf8.AllocateArray(strings);
        try
        {
            NativeApi.Check(NativeApi.Api->FillStringTensor(value, native, (nuint)strings.Length));
            return value;
        }
        catch
        {
            NativeApi.Api->ReleaseValue(value);
            throw;
        }
        finally
        {
            // ORT copied the strings into its own std::string storage.
            Utf8.FreeArray(native, strings.Length);
        }
    }

    private static RunResult ReadOutputs(nint[] values, string[] names)
    {
        var outputs = new TensorOutput[values.Length];
        try
        {
            for (int i = 0; i < values.Length; i++)
            {
                outputs[i] = ReadOutput(values[i], names[i]);
            }

            return new RunResult(outputs);
        }
        catch
        {
            foreach (TensorOutput? output in outputs)
            {
                output?.Dispose();
            }

            throw;
        }
    }

    private static TensorOutput ReadOutput(nint value, string name)
    {
        OrtApi* api = NativeApi.Api;
        nint info;
        NativeApi.Check(api->GetTensorTypeAndShape(value, &info));
        TensorElementType type;
        long[] shape;
        using (var infoHandle = new TensorTypeAndShapeInfoHandle(info))
        {
            (type, shape) = ReadTypeAndShape(info);
        }

        long count = TensorElementTypes.ElementCount(shape);
        if (type == TensorElementType.String)
        {
            return new TensorOutput(name, type, shape, null, 0, ReadStrings(value, count));
        }

        long byteLength = count * type.ElementSize();
        if (byteLength > Array.MaxLength)
        {
            throw new NotSupportedException($"Output '{name}' has {byteLength} bytes, more than one managed buffer holds; use RunInto with native memory.");
        }

        void* data;
        NativeApi.Check(api->GetTensorMutableData(value, &data));
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)byteLength);
        new ReadOnlySpan<byte>(data, (int)byteLength).CopyTo(buffer);
        return new TensorOutput(name, type, shape, buffer, (int)byteLength, null);
    }

    private static string[] ReadStrings(nint value, long count)
    {
        OrtApi* api = NativeApi.Api;
        nuint total;
        NativeApi.Check(api->GetStringTensorDataLength(value, &total));
        var offsets = new nuint[Math.Max(count, 1)];
        byte[] content = ArrayPool<byte>.Shared.Rent((int)Math.Max(total, 1));
        try
        {
            fixed (byte* s = content)
            fixed (nuint* o = offsets)
            {
                NativeApi.Check(api->GetStringTensorContent(value, s, total, o, (nuint)count));
            }

            var strings = new string[count];
            for (long i = 0; i < count; i++)
            {
                int start = (int)offsets[i];
                int end = i + 1 < count ? (int)offsets[i + 1] : (int)total;
                strings[i] = System.Text.Encoding.UTF8.GetString(content, start, end - start);
            }

            return strings;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(content);
        }
    }

    private static (TensorElementType Type, long[] Shape) ReadTypeAndShape(nint info)
    {
        OrtApi* api = NativeApi.Api;
        int type;
        nuint rank;
        NativeApi.Check(api->GetTensorElementType(info, &type));
        NativeApi.Check(api->GetDimensionsCount(info, &rank));
        var shape = new long[rank];
        fixed (long* dims = shape)
        {
            NativeApi.Check(api->GetDimensions(info, dims, rank));
        }

        return ((TensorElementType)type, shape);
    }

    private static InferenceSession Wrap(OrtEnvironment environment, nint session)
    {
        var handle = new SessionHandle(session);
        try
        {
            return new InferenceSession(environment, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static TensorMetadata[] ReadMetadata(SessionHandle session, bool isInput)
    {
        OrtApi* api = NativeApi.Api;
        nint s = session.DangerousGetHandle();
        nuint count;
        NativeApi.Check(isInput ? api->SessionGetInputCount(s, &count) : api->SessionGetOutputCount(s, &count));
        var result = new TensorMetadata[count];
        nint allocator = NativeApi.DefaultAllocator;
        for (nuint i = 0; i < count; i++)
        {
            byte* rawName;
            NativeApi.Check(isInput ? api->SessionGetInputName(s, i, allocator, &rawName) : api->SessionGetOutputName(s, i, allocator, &rawName));
            string name;
            try
            {
                name = Utf8.Read(rawName);
            }
            finally
            {
                NativeApi.Check(api->AllocatorFree(allocator, rawName));
            }

            nint typeInfo;
            NativeApi.Check(isInput ? api->SessionGetInputTypeInfo(s, i, &typeInfo) : api->SessionGetOutputTypeInfo(s, i, &typeInfo));
            using var typeInfoHandle = new TypeInfoHandle(typeInfo);
            int onnxType;
            NativeApi.Check(api->GetOnnxTypeFromTypeInfo(typeInfo, &onnxType));
            if (onnxType != 1 /* ONNX_TYPE_TENSOR */)
            {
                result[i] = new TensorMetadata(name, isTensor: false, TensorElementType.Undefined, [], []);
                continue;
            }

            // The tensor info belongs to the type info: not released separately.
            nint tensorInfo;
            NativeApi.Check(api->CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
            (TensorElementType type, long[] shape) = ReadTypeAndShape(tensorInfo);
            var symbols = new byte*[shape.Length];
            var symbolic = new string[shape.Length];
            fixed (byte** p = symbols)
            {
                NativeApi.Check(api->GetSymbolicDimensions(tensorInfo, p, (nuint)shape.Length));
            }

            for (int d = 0; d < shape.Length; d++)
            {
                symbolic[d] = Utf8.Read(symbols[d]);
            }

            result[i] = new TensorMetadata(name, isTensor: true, type, shape, symbolic);
        }

        return result;
    }

    private static Dictionary<string, int> Index(IReadOnlyList<TensorMetadata> items)
    {
        var index = new Dictionary<string, int>(items.Count, StringComparer.Ordinal);
        for (int i = 0; i < items.Count; i++)
        {
            index[items[i].Name] = i;
        }

        return index;
    }

    /// <summary>
    /// The cached native name, or a temporary copy for a name the model lacks, so that ORT itself reports
    /// the unknown name in its own words.
    /// </summary>
    private static byte* NamePointer(string name, Dictionary<string, int> index, byte** cached, ref List<nint>? temporaries)
    {
        if (index.TryGetValue(name, out int i))
        {
            return cached[i];
        }

        byte* temporary = Utf8.Allocate(name);
        (temporaries ??= []).Add((nint)temporary);
        return temporary;
    }

    private static byte** NamePointers(IReadOnlyList<string> names, Dictionary<string, int> index, byte** cached, ref List<nint>? temporaries)
    {
        var pointers = (byte**)NativeMemory.AllocZeroed((nuint)Math.Max(names.Count, 1), (nuint)sizeof(byte*));
        for (int i = 0; i < names.Count; i++)
        {
            pointers[i] = NamePointer(names[i], index, cached, ref temporaries);
        }

        return pointers;
    }

    private static void FreeAll(List<nint>? temporaries)
    {
        if (temporaries is null)
        {
            return;
        }

        foreach (nint p in temporaries)
        {
            Utf8.Free((byte*)p);
        }
    }
}
