using Serving.OnnxRuntime;

namespace Serving.Models.Pipelines;

/// <summary>Runs models on ONNX Runtime sessions in this process.</summary>
/// <remarks>
/// <para>Sessions are created once, up front, so a bad model path fails at start-up rather than on the first
/// request. The run is synchronous CPU (or GPU) work done on the calling thread and the returned task is
/// already complete: the caller (a worker's batcher, a CLI loop) owns the threading policy.</para>
/// <para>Ownership: the runner owns its sessions. Thread safety: concurrent <see cref="RunAsync"/> calls are
/// safe (ORT sessions allow concurrent runs).</para>
/// </remarks>
public sealed class InProcessModelRunner : IModelRunner, IDisposable
{
    private readonly Dictionary<string, InferenceSession> _sessions;

    private InProcessModelRunner(Dictionary<string, InferenceSession> sessions) => _sessions = sessions;

    /// <summary>Loads every model of <paramref name="modelPaths"/> (name -> .onnx path).</summary>
    /// <exception cref="OrtException">A model failed to load; sessions loaded before it are released.</exception>
    public static InProcessModelRunner Load(IReadOnlyDictionary<string, string> modelPaths, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(modelPaths);
        var sessions = new Dictionary<string, InferenceSession>(StringComparer.Ordinal);
        try
        {
            foreach ((string name, string path) in modelPaths)
            {
                sessions.Add(name, InferenceSession.Create(path, options));
            }

            return new InProcessModelRunner(sessions);
        }
        catch
        {
            foreach (InferenceSession session in sessions.Values)
            {
                session.Dispose();
            }

            throw;
        }
    }

    /// <summary>Loads each <c>name.onnx</c> of <paramref name="names"/> from <paramref name="directory"/>.</summary>
    public static InProcessModelRunner LoadFromDirectory(string directory, IEnumerable<string> names, SessionOptions? options = null) =>
        Load(names.ToDictionary(n => n, n => Path.Combine(directory, n + ".onnx"), StringComparer.Ordinal), options);

    /// <inheritdoc />
    /// <remarks>Errors come back in the returned task (faulted or cancelled), never thrown from the call itself.</remarks>
    public Task<ModelOutputs> RunAsync(string model, IReadOnlyList<NamedTensor> inputs, CancellationToken cancellationToken)
    {
        if (!_sessions.TryGetValue(model, out InferenceSession? session))
        {
            return Task.FromException<ModelOutputs>(
                new KeyNotFoundException($"Model '{model}' is not loaded here (loaded: {string.Join(", ", _sessions.Keys)})."));
        }

        try
        {
            return Task.FromResult(ModelOutputs.FromRunResult(session.Run(inputs, cancellationToken)));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<ModelOutputs>(cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<ModelOutputs>(e);
        }
    }

    /// <summary>Releases every session.</summary>
    public void Dispose()
    {
        foreach (InferenceSession session in _sessions.Values)
        {
            session.Dispose();
        }
    }
}
