using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Serving.Grpc;
using Serving.OnnxRuntime;
using Serving.Worker.Reporting;
using Serving.Worker.Repository;

namespace Serving.Worker.Inference;

/// <summary>
/// The worker's models: loads them from the repository at start-up and at run time, resolves
/// (name, version) for requests, unloads, and drains everything on shutdown.
/// </summary>
/// <remarks>
/// <para>Each model has a slot holding an immutable map of its loaded versions; a reload builds the
/// new versions completely before swapping the map, so requests never see a half-loaded model and a
/// failed reload leaves the old versions serving. Retired versions are drained (their queued work
/// finishes) and then disposed.</para>
/// <para>Locking: <c>_lock</c> guards the slot dictionary and each slot's fields; it is never held
/// while a session is created or a batcher drains. Loads and unloads of one model are serialized by
/// the slot's semaphore.</para>
/// </remarks>
public sealed partial class ModelManager : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly WorkerOptions _options;
    private readonly WorkerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private bool _shuttingDown;

    /// <summary>Creates a manager over <see cref="WorkerOptions.RepositoryPath"/>; nothing loads until asked.</summary>
    public ModelManager(WorkerOptions options, WorkerMetrics metrics, TimeProvider time, ILogger<ModelManager> logger)
    {
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised after any model's state changes.</summary>
    public event Action? StateChanged;

    /// <summary>The repository directory.</summary>
    public string RepositoryPath => _options.RepositoryPath;

    /// <summary>True when shutdown began: every request is refused with UNAVAILABLE.</summary>
    public bool IsShuttingDown
    {
        get
        {
            lock (_lock)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>Ready = not shutting down and every model that should be served is loaded.</summary>
    public bool IsReady
    {
        get
        {
            lock (_lock)
            {
                return !_shuttingDown && _slots.Values.All(s => s.State == ModelState.Ready || !s.Wanted);
            }
        }
    }

    /// <summary>Every loaded version of every model.</summary>
    public IReadOnlyList<LoadedModel> LoadedModels
    {
        get
        {
            lock (_lock)
            {
                return _slots.Values.SelectMany(s => s.Versions.Values).ToArray();
            }
        }
    }

    /// <summary>Loads every model of the repository; a model that fails is logged and left unavailable.</summary>
    public async Task LoadAllAsync(CancellationToken cancellationToken = default)
    {
        var names = ModelRepositoryScanner.Scan(RepositoryPath).Select(m => m.Name).ToArray();
        lock (_lock)
        {
            foreach (var name in names)
            {
                GetSlot(name).Wanted = true;
            }
        }

        foreach (var name in names)
        {
            try
            {
                await LoadAsync(name, null, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                Log.LoadFailed(_logger, name, ex.Status.Detail);
            }
        }
    }

    /// <summary>
    /// Loads (or reloads) a model from the repository, with <paramref name="configOverride"/> in place
    /// of its config.json when given. Throws NOT_FOUND for an unknown model and INVALID_ARGUMENT
    /// listing every problem when it cannot be loaded; the old versions then keep serving.
    /// </summary>
    public async Task LoadAsync(string name, ModelConfiguration? configOverride = null, CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(RepositoryPath, name);
        if (name.Length == 0 || name.Contains('/') || name.Contains('\\') || name.StartsWith('.') || !Directory.Exists(directory))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"model '{name}' is not in the repository"));
        }

        Slot slot;
        lock (_lock)
        {
            if (_shuttingDown)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "the worker is shutting down"));
            }

            slot = GetSlot(name);
            slot.Wanted = true;
        }

        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        ImmutableSortedDictionary<long, LoadedModel> retired;
        try
        {
            SetState(slot, slot.Versions.IsEmpty ? ModelState.Loading : slot.State, "");
            ImmutableSortedDictionary<long, LoadedModel> loaded;
            try
            {
                loaded = await Task.Run(() => LoadVersions(directory, name, configOverride), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var detail = ex is ModelLoadException ? ex.Message : $"model '{name}' failed to load: {ex.Message}";
                SetState(slot, slot.Versions.IsEmpty ? ModelState.Unavailable : ModelState.Ready, detail);
                throw new RpcException(new Status(StatusCode.InvalidArgument, detail));
            }

            lock (_lock)
            {
                retired = slot.Versions;
                slot.Versions = loaded;
            }

            SetState(slot, ModelState.Ready, "");
            foreach (var model in loaded.Values)
            {
                Log.ModelLoaded(_logger, model.Name, model.VersionText, Describe(model.Signature.Inputs), Describe(model.Signature.Outputs),
                    model.Config.MaxBatchSize, string.Join(",", model.BatchingOptions.PreferredBatchSizes), (long)model.BatchingOptions.MaxQueueDelay.TotalMicroseconds,
                    model.BatchingOptions.InstanceCount, model.BatchingOptions.MaxQueueSize);
            }
        }
        finally
        {
            slot.Gate.Release();
        }

        await RetireAsync(retired.Values).ConfigureAwait(false);
    }

    /// <summary>Unloads a model: new requests get UNAVAILABLE, queued and in-flight ones finish. NOT_FOUND when unknown.</summary>
    public async Task UnloadAsync(string name, CancellationToken cancellationToken = default)
    {
        Slot? slot;
        lock (_lock)
        {
            _slots.TryGetValue(name, out slot);
        }

        if (slot is null)
        {
            if (Directory.Exists(Path.Combine(RepositoryPath, name)) && !name.Contains('/'))
            {
                return;
            }

            throw new RpcException(new Status(StatusCode.NotFound, $"model '{name}' is not in the repository"));
        }

        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            slot.Wanted = false;
            var versions = slot.Versions;
            SetState(slot, ModelState.Unloading, "unloading");
            await RetireAsync(versions.Values).ConfigureAwait(false);
            lock (_lock)
            {
                slot.Versions = ImmutableSortedDictionary<long, LoadedModel>.Empty;
            }

            SetState(slot, ModelState.Unavailable, "unloaded");
            Log.ModelUnloaded(_logger, name);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>
    /// The version a request addresses ("" = the latest loaded). Throws NOT_FOUND (unknown model or
    /// version) or UNAVAILABLE (loading, unloading, shutting down).
    /// </summary>
    public LoadedModel Resolve(string name, string version)
    {
        lock (_lock)
        {
            if (_shuttingDown)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "the worker is shutting down and takes no new requests"));
            }

            if (!_slots.TryGetValue(name, out var slot))
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"unknown model '{name}'"));
            }

            if (slot.State is ModelState.Loading or ModelState.Unloading)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, $"model '{name}' is {(slot.State == ModelState.Loading ? "loading" : "unloading")}"));
            }

            if (slot.Versions.IsEmpty)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, $"model '{name}' is not loaded{(slot.Reason.Length > 0 ? ": " + slot.Reason : "")}"));
            }

            if (version.Length == 0)
            {
                return slot.Versions.Values.Last();
            }

            if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || !slot.Versions.TryGetValue(number, out var model))
            {
                throw new RpcException(new Status(StatusCode.NotFound,
                    $"model '{name}' has no version '{version}'; loaded versions: {string.Join(", ", slot.Versions.Keys)}"));
            }

            return model;
        }
    }

    /// <summary>The loaded version, or null (for ModelReady and metadata).</summary>
    public LoadedModel? TryResolve(string name, string version)
    {
        try
        {
            return Resolve(name, version);
        }
        catch (RpcException)
        {
            return null;
        }
    }

    /// <summary>Every model directory of the repository with its state (and each loaded version).</summary>
    public IReadOnlyList<ModelIndexEntry> Index()
    {
        var names = Directory.Exists(RepositoryPath) ? ModelRepositoryScanner.Scan(RepositoryPath).Select(m => m.Name).ToList() : [];
        var result = new List<ModelIndexEntry>();
        lock (_lock)
        {
            names.AddRange(_slots.Keys.Where(k => !names.Contains(k)));
            foreach (var name in names.Order(StringComparer.Ordinal))
            {
                if (!_slots.TryGetValue(name, out var slot))
                {
                    result.Add(new ModelIndexEntry(name, "", ModelState.Unavailable, "not loaded"));
                }
                else if (slot.Versions.IsEmpty)
                {
                    result.Add(new ModelIndexEntry(name, "", slot.State, slot.Reason));
                }
                else
                {
                    result.AddRange(slot.Versions.Values.Select(v => new ModelIndexEntry(name, v.VersionText, slot.State, slot.Reason)));
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Graceful stop: refuse new requests, finish queued and in-flight work, within
    /// <paramref name="cancellationToken"/>'s time (the grace period).
    /// </summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        LoadedModel[] models;
        lock (_lock)
        {
            _shuttingDown = true;
            models = _slots.Values.SelectMany(s => s.Versions.Values).ToArray();
        }

        StateChanged?.Invoke();
        try
        {
            await Task.WhenAll(models.Select(m => m.DrainAsync(cancellationToken))).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.GracePeriodExpired(_logger);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        LoadedModel[] models;
        lock (_lock)
        {
            _shuttingDown = true;
            models = _slots.Values.SelectMany(s => s.Versions.Values).ToArray();
            _slots.Clear();
        }

        foreach (var model in models)
        {
            model.Dispose();
        }
    }

    internal SessionOptions CreateSessionOptions() => SessionOptionsFor(_options.Threads, _options.Device);

    /// <summary>
    /// The session options a worker gives every model: <paramref name="threads"/> intra-op threads and
    /// the execution provider of <paramref name="device"/> (<c>cpu</c>, <c>cuda</c> or <c>cuda:&lt;id&gt;</c>).
    /// </summary>
    public static SessionOptions SessionOptionsFor(int threads, string device)
    {
        var options = new SessionOptions { IntraOpThreads = threads };
        device = device.Trim().ToLowerInvariant();
        if (device.StartsWith("cuda", StringComparison.Ordinal))
        {
            options.ExecutionProvider = ExecutionProvider.Cuda;
            options.CudaDeviceId = device.Length > 5 ? int.Parse(device.AsSpan(5), CultureInfo.InvariantCulture) : 0;
        }

        return options;
    }

    private ImmutableSortedDictionary<long, LoadedModel> LoadVersions(string directory, string name, ModelConfiguration? configOverride)
    {
        var scanned = ModelRepositoryScanner.ScanModel(directory);
        var errors = new List<ConfigError>(configOverride is null ? scanned.Errors : scanned.Errors.Where(e => !e.Path.StartsWith("version_policy", StringComparison.Ordinal) && e.Path != ""));
        var config = configOverride ?? scanned.Config;
        if (configOverride is not null)
        {
            errors.RemoveAll(e => e.Message.StartsWith("invalid JSON", StringComparison.Ordinal));
            errors.AddRange(ModelConfigValidator.Validate(configOverride, name));
            if (scanned.AvailableVersions.Count == 0)
            {
                errors.Add(new ConfigError("", $"no version folder with {ModelRepositoryScanner.ModelFileName}"));
            }
        }

        if (errors.Count > 0)
        {
            throw new ModelLoadException($"model '{name}' is invalid: {string.Join("; ", errors)}");
        }

        var versions = (config?.VersionPolicy ?? new VersionPolicyConfiguration()).Select(scanned.AvailableVersions);
        var loaded = ImmutableSortedDictionary.CreateBuilder<long, LoadedModel>();
        try
        {
            foreach (var version in versions)
            {
                var session = InferenceSession.Create(scanned.ModelPath(version), CreateSessionOptions());
                LoadedModel model;
                try
                {
                    var effective = config ?? ModelAutoConfig.Complete(name, session);
                    CheckAgainstSession(effective, session, version);
                    model = new LoadedModel(effective, version, session, _metrics, _time);
                }
                catch
                {
                    session.Dispose();
                    throw;
                }

                // The model owns the session from here on.
                loaded.Add(version, model);
                model.WarmUp(_options.WarmupRuns);
            }
        }
        catch
        {
            foreach (var model in loaded.Values)
            {
                model.Dispose();
            }

            throw;
        }

        if (loaded.Count == 0)
        {
            throw new ModelLoadException($"model '{name}': the version policy selects no version");
        }

        return loaded.ToImmutable();
    }

    // The configuration must describe the file: every listed tensor exists with the same type and rank.
    private static void CheckAgainstSession(ModelConfiguration config, InferenceSession session, long version)
    {
        var errors = new List<string>();
        var batch = config.MaxBatchSize > 0 ? 1 : 0;
        void Check(string kind, IReadOnlyList<TensorConfiguration> tensors, IReadOnlyList<TensorMetadata> actual)
        {
            for (var i = 0; i < tensors.Count; i++)
            {
                var tensor = tensors[i];
                var match = actual.FirstOrDefault(a => a.Name == tensor.Name);
                if (match is null)
                {
                    errors.Add($"{kind}[{i}] '{tensor.Name}' is not in model version {version} (it has {string.Join(", ", actual.Select(a => a.Name))})");
                    continue;
                }

                if (match.ElementType.ToKServeDatatype() != tensor.Datatype)
                {
                    errors.Add($"{kind}[{i}] '{tensor.Name}' is {match.ElementType.ToKServeDatatype()} in the model, not {tensor.Datatype}");
                }

                if (match.Shape.Count != tensor.Dims.Count + batch)
                {
                    errors.Add($"{kind}[{i}] '{tensor.Name}' has rank {match.Shape.Count} in the model; dims {tensor.Dims.Count}{(batch == 1 ? " plus the batch dimension" : "")} given");
                }
                else if (batch == 1 && match.Shape[0] >= 0)
                {
                    errors.Add($"{kind}[{i}] '{tensor.Name}' has a fixed first dimension {match.Shape[0]}: max_batch_size must be 0");
                }
            }
        }

        Check("inputs", config.Inputs, session.Inputs);
        Check("outputs", config.Outputs, session.Outputs);
        if (errors.Count > 0)
        {
            throw new ModelLoadException($"model '{config.Name}' does not match its file: {string.Join("; ", errors)}");
        }
    }

    private async Task RetireAsync(IEnumerable<LoadedModel> models)
    {
        foreach (var model in models)
        {
            using var grace = new CancellationTokenSource(_options.GracePeriod);
            try
            {
                await model.DrainAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Log.GracePeriodExpired(_logger);
            }

            model.Dispose();
        }
    }

    // Precondition: _lock held.
    private Slot GetSlot(string name)
    {
        if (!_slots.TryGetValue(name, out var slot))
        {
            slot = new Slot();
            _slots.Add(name, slot);
        }

        return slot;
    }

    private void SetState(Slot slot, ModelState state, string reason)
    {
        lock (_lock)
        {
            slot.State = state;
            slot.Reason = reason;
        }

        StateChanged?.Invoke();
    }

    private static string Describe(IReadOnlyList<TensorSignature> tensors) =>
        string.Join(", ", tensors.Select(t => $"{t.Name} {t.Datatype}[{string.Join(",", t.Dims)}]"));

    private sealed class Slot
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public ModelState State { get; set; } = ModelState.Unavailable;

        public string Reason { get; set; } = "";

        public bool Wanted { get; set; }

        public ImmutableSortedDictionary<long, LoadedModel> Versions { get; set; } = ImmutableSortedDictionary<long, LoadedModel>.Empty;
    }

    private sealed class ModelLoadException(string message) : Exception(message);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Loaded model {Model} version {Version}: inputs [{Inputs}], outputs [{Outputs}], max_batch_size {MaxBatchSize}, preferred [{Preferred}], max_queue_delay {DelayUs} us, instances {Instances}, max_queue_size {QueueSize}")]
        public static partial void ModelLoaded(ILogger logger, string model, string version, string inputs, string outputs, int maxBatchSize, string preferred, long delayUs, int instances, int queueSize);

        [LoggerMessage(2, LogLevel.Error, "Model {Model} failed to load: {Reason}")]
        public static partial void LoadFailed(ILogger logger, string model, string reason);

        [LoggerMessage(3, LogLevel.Information, "Unloaded model {Model}")]
        public static partial void ModelUnloaded(ILogger logger, string model);

        [LoggerMessage(4, LogLevel.Warning, "The grace period expired before every queued request finished")]
        public static partial void GracePeriodExpired(ILogger logger);
    }
}
