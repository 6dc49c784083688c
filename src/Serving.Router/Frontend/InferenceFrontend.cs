using Serving.Grpc;
using Serving.Protocol;
using Serving.Protocol.Inference;
using Serving.Protocol.V1;
using Serving.Router.Discovery;
using Serving.Router.Remote;
using Serving.Router.Tasks;

namespace Serving.Router.Frontend;

/// <summary>
/// <c>inference.GRPCInferenceService</c> on the router: ModelInfer forwarded to a worker, where
/// <c>model_name</c> is a concrete model or a task alias (e.g. <c>face-embedding</c>) resolved per
/// request by SLO selection; metadata RPCs answered from, or aggregated over, the cluster.
/// </summary>
/// <remarks>
/// <para>Alias requests may carry the task API's options as request parameters: <c>slo_class</c>
/// (string), <c>min_quality</c> (double), <c>pinned_variant</c> (string), <c>best_effort</c>
/// (bool). The response's <c>model_name</c> is the variant that served, and its parameters add
/// <c>worker</c> and <c>selection_reason</c> to the worker's <c>queue_us</c>/<c>compute_us</c>.</para>
/// <para>Concrete model names bypass variant selection (the caller chose) and go to the ready
/// worker with the least predicted completion, with the same retries and hedging.</para>
/// </remarks>
internal sealed class InferenceFrontend(TaskFrontend frontend, RouterReadiness readiness, RemoteInferenceContext remote)
{
    /// <summary>The name ServerMetadata reports.</summary>
    public const string ServerName = "serving-router";

    /// <summary>The gRPC service.</summary>
    public ServiceDefinition CreateDefinition() => ServiceDefinition.CreateBuilder()
        .AddUnary(InferenceMethods.ServerLive, (_, _) => Task.FromResult(new ServerLiveResponse { Live = true }))
        .AddUnary(InferenceMethods.ServerReady, (_, _) => Task.FromResult(new ServerReadyResponse { Ready = readiness.IsReady }))
        .AddUnary(InferenceMethods.ModelReady, (r, _) => Task.FromResult(new ModelReadyResponse { Ready = IsModelReady(r.Name) }))
        .AddUnary(InferenceMethods.ServerMetadata, (_, _) => Task.FromResult(ServerMetadata()))
        .AddUnary(InferenceMethods.ModelMetadata, (r, c) => ForwardToOneAsync(r.Name, r, InferenceMethods.ModelMetadata, (m, resp) => resp.Name = m, c))
        .AddUnary(InferenceMethods.ModelConfig, (r, c) => ForwardToOneAsync(r.Name, r, InferenceMethods.ModelConfig, (_, _) => { }, c))
        .AddUnary(InferenceMethods.ModelInfer, ModelInferAsync)
        .AddDuplexStreaming(InferenceMethods.ModelStreamInfer, ModelStreamInferAsync)
        .AddUnary(InferenceMethods.ModelStatistics, ModelStatisticsAsync)
        .AddUnary(InferenceMethods.RepositoryIndex, RepositoryIndexAsync)
        .AddUnary(InferenceMethods.RepositoryModelLoad, (r, c) => ForwardToAllAsync(InferenceMethods.RepositoryModelLoad, r, c))
        .AddUnary(InferenceMethods.RepositoryModelUnload, (r, c) => ForwardToAllAsync(InferenceMethods.RepositoryModelUnload, r, c))
        .Build();

    private async Task<ModelInferResponse> ModelInferAsync(ModelInferRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.ModelName))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "model_name is required (a model or a task alias such as face-embedding)"));
        }

        var catalog = frontend.Catalog;
        var isAlias = !catalog.VariantsOf(request.ModelName).IsEmpty;
        if (!isAlias && catalog.Find(request.ModelName) is null && !KnownToAnyWorker(request.ModelName))
        {
            throw new RpcException(new Status(StatusCode.NotFound,
                $"unknown model or task '{request.ModelName}'; tasks: {string.Join(", ", catalog.Tasks.Order(StringComparer.Ordinal))}"));
        }

        var options = isAlias ? OptionsFrom(request) : new RequestOptions { PinnedVariant = request.ModelName, BestEffort = true };
        var task = isAlias ? request.ModelName : catalog.Find(request.ModelName)?.Task ?? "model:" + request.ModelName;
        var admission = isAlias || catalog.Find(request.ModelName) is not null
            ? frontend.Admit(task, options, context)
            : frontend.AdmitModel(request.ModelName, context);
        return await frontend.RunAsync(admission, async (admitted, cancellationToken) =>
        {
            // A rescue runs beside the first choice, and forwarding renames the message it sends: its own copy.
            var message = admitted.Rescue ? request.Clone() : request;
            var response = await admitted.Runner.ForwardAsync(admitted.Variant.Name, message, cancellationToken).ConfigureAwait(false);
            var served = frontend.ServedBy(admitted, frontend.Elapsed(admitted));
            response.Parameters["worker"] = new InferParameter { StringParam = served.Worker };
            response.Parameters["selection_reason"] = new InferParameter { StringParam = served.SelectionReason };
            return response;
        }, context.CancellationToken).ConfigureAwait(false);
    }

    // Requests run concurrently (they may join the same batch); errors travel in error_message, as Triton does.
    private Task ModelStreamInferAsync(IAsyncStreamReader<ModelInferRequest> requests, IServerStreamWriter<ModelStreamInferResponse> responses, ServerCallContext context) =>
        DuplexStreams.ProcessConcurrentlyAsync(requests, responses, async request =>
        {
            try
            {
                return new ModelStreamInferResponse { InferResponse = await ModelInferAsync(request, context).ConfigureAwait(false) };
            }
            catch (RpcException ex)
            {
                return new ModelStreamInferResponse
                {
                    ErrorMessage = $"{ex.StatusCode}: {ex.Status.Detail}",
                    InferResponse = new ModelInferResponse { ModelName = request.ModelName, ModelVersion = request.ModelVersion, Id = request.Id },
                };
            }
        }, context.CancellationToken);

    private static RequestOptions OptionsFrom(ModelInferRequest request)
    {
        var options = new RequestOptions();
        foreach (var (name, parameter) in request.Parameters)
        {
            switch (name)
            {
                case "slo_class":
                    options.SloClass = parameter.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.StringParam
                        ? parameter.StringParam : throw BadParameter(name, "a string");
                    break;
                case "pinned_variant":
                    options.PinnedVariant = parameter.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.StringParam
                        ? parameter.StringParam : throw BadParameter(name, "a string");
                    break;
                case "best_effort":
                    options.BestEffort = parameter.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.BoolParam
                        ? parameter.BoolParam : throw BadParameter(name, "a bool");
                    break;
                case "min_quality":
                    options.MinQuality = parameter.ParameterChoiceCase switch
                    {
                        InferParameter.ParameterChoiceOneofCase.DoubleParam => parameter.DoubleParam,
                        InferParameter.ParameterChoiceOneofCase.Int64Param => parameter.Int64Param,
                        _ => throw BadParameter(name, "a number"),
                    };
                    break;
            }
        }

        return options;
    }

    private static RpcException BadParameter(string name, string expected) =>
        new(new Status(StatusCode.InvalidArgument, $"parameter '{name}' must be {expected}"));

    private bool KnownToAnyWorker(string model) =>
        remote.Tracker.Current.Workers.Any(w => w.Models.ContainsKey(model));

    private bool IsModelReady(string name)
    {
        var catalog = frontend.Catalog;
        var variants = catalog.VariantsOf(name);
        var models = variants.IsEmpty ? [name] : variants.Where(v => !v.Synthetic || catalog.AllowSynthetic).Select(v => v.Name).ToArray();
        var cluster = remote.Tracker.Current;
        return models.Any(m => cluster.RoutableFor(m).Any());
    }

    private static ServerMetadataResponse ServerMetadata()
    {
        var response = new ServerMetadataResponse { Name = ServerName, Version = typeof(InferenceFrontend).Assembly.GetName().Version?.ToString() ?? "0" };
        response.Extensions.AddRange(["model_repository", "model_configuration", "statistics", "task_aliases"]);
        return response;
    }

    // Metadata of a model (or of the best ready variant of an alias) from one worker that serves it.
    private async Task<TResponse> ForwardToOneAsync<TRequest, TResponse>(string name, TRequest request, Method<TRequest, TResponse> method, Action<string, TResponse> rename, ServerCallContext context)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse>
    {
        var catalog = frontend.Catalog;
        var cluster = remote.Tracker.Current;
        var variants = catalog.VariantsOf(name);
        var model = variants.IsEmpty
            ? name
            : variants.Where(v => !v.Synthetic || catalog.AllowSynthetic).Select(v => v.Name).FirstOrDefault(m => cluster.RoutableFor(m).Any())
              ?? throw new RpcException(new Status(StatusCode.Unavailable, $"no ready worker serves task '{name}'"));
        var worker = cluster.RoutableFor(model).Select(w => w.Worker.Id).FirstOrDefault()
            ?? (KnownToAnyWorker(model) || catalog.Find(model) is not null
                ? throw new RpcException(new Status(StatusCode.Unavailable, $"no ready worker serves model '{model}'"))
                : throw new RpcException(new Status(StatusCode.NotFound, $"unknown model or task '{name}'")));
        var forwarded = request.Clone();
        switch (forwarded)
        {
            case ModelMetadataRequest metadata:
                metadata.Name = model;
                break;
            case ModelConfigRequest config:
                config.Name = model;
                break;
        }

        using var call = remote.Channels.Get(WorkerEndpoint.Parse(worker)).UnaryAsync(method, forwarded, new CallOptions(Deadline: context.Deadline, CancellationToken: context.CancellationToken));
        var response = await call.ResponseAsync.ConfigureAwait(false);
        if (!variants.IsEmpty)
        {
            rename(name, response);
        }

        return response;
    }

    private async Task<TResponse> ForwardToAllAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, ServerCallContext context)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse>
    {
        var responses = await CallAllAsync(method, request, context).ConfigureAwait(false);
        return responses.Count > 0 ? responses[0] : throw new RpcException(new Status(StatusCode.Unavailable, "no worker is reachable"));
    }

    // Every reachable worker; the first failure fails the call (model control must reach them all).
    private async Task<List<TResponse>> CallAllAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, ServerCallContext context)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse>
    {
        var workers = remote.Tracker.Current.Workers.Where(w => w.Reachable).Select(w => w.Id).ToArray();
        var calls = workers.Select(async worker =>
        {
            using var call = remote.Channels.Get(WorkerEndpoint.Parse(worker)).UnaryAsync(method, request, new CallOptions(Deadline: context.Deadline, CancellationToken: context.CancellationToken));
            try
            {
                return await call.ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                throw new RpcException(new Status(ex.StatusCode, $"worker {worker}: {ex.Status.Detail}"));
            }
        });
        return [.. await Task.WhenAll(calls).ConfigureAwait(false)];
    }

    private async Task<ModelStatisticsResponse> ModelStatisticsAsync(ModelStatisticsRequest request, ServerCallContext context)
    {
        var perWorker = await CallAllAsync(InferenceMethods.ModelStatistics, request, context).ConfigureAwait(false);
        return ClusterStatistics.Merge(perWorker);
    }

    private async Task<RepositoryIndexResponse> RepositoryIndexAsync(RepositoryIndexRequest request, ServerCallContext context)
    {
        var perWorker = await CallAllAsync(InferenceMethods.RepositoryIndex, request, context).ConfigureAwait(false);
        var merged = new RepositoryIndexResponse();
        // One entry per model version: READY when any worker has it ready, else the first worker's state.
        foreach (var group in perWorker.SelectMany(r => r.Models).GroupBy(m => (m.Name, m.Version)).OrderBy(g => g.Key.Name, StringComparer.Ordinal).ThenBy(g => g.Key.Version, StringComparer.Ordinal))
        {
            merged.Models.Add(group.FirstOrDefault(m => m.State == "READY") ?? group.First());
        }

        return merged;
    }
}
