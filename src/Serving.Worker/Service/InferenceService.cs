using Serving.Protocol;
using Serving.Grpc;
using Serving.Protocol.Inference;
using Serving.Worker.Inference;
using Serving.Worker.Reporting;
using Serving.Worker.Repository;

namespace Serving.Worker.Service;

/// <summary>
/// <c>inference.GRPCInferenceService</c> (KServe v2 / Open Inference Protocol) over the
/// <see cref="ModelManager"/>. Shared-memory RPCs are not bound: clients get UNIMPLEMENTED.
/// </summary>
public sealed class InferenceService(ModelManager models, WorkerMetrics metrics, TimeProvider time)
{
    /// <summary>The name and version ServerMetadata reports.</summary>
    public const string ServerName = "serving";

    /// <summary>Binds every RPC.</summary>
    public ServiceDefinition CreateDefinition() => ServiceDefinition.CreateBuilder()
        .AddUnary(InferenceMethods.ServerLive, (_, _) => Task.FromResult(new ServerLiveResponse { Live = true }))
        .AddUnary(InferenceMethods.ServerReady, (_, _) => Task.FromResult(new ServerReadyResponse { Ready = models.IsReady }))
        .AddUnary(InferenceMethods.ModelReady, (r, _) => Task.FromResult(new ModelReadyResponse { Ready = models.TryResolve(r.Name, r.Version) is not null }))
        .AddUnary(InferenceMethods.ServerMetadata, (_, _) => Task.FromResult(ServerMetadata()))
        .AddUnary(InferenceMethods.ModelMetadata, (r, _) => Task.FromResult(ModelMetadata(r)))
        .AddUnary(InferenceMethods.ModelInfer, ModelInferAsync)
        .AddDuplexStreaming(InferenceMethods.ModelStreamInfer, ModelStreamInferAsync)
        .AddUnary(InferenceMethods.ModelConfig, (r, _) => Task.FromResult(new ModelConfigResponse { Config = ModelConfigMapper.ToProto(models.Resolve(r.Name, r.Version).Config) }))
        .AddUnary(InferenceMethods.ModelStatistics, (r, _) => Task.FromResult(ModelStatistics(r)))
        .AddUnary(InferenceMethods.RepositoryIndex, (r, _) => Task.FromResult(RepositoryIndex(r)))
        .AddUnary(InferenceMethods.RepositoryModelLoad, RepositoryModelLoadAsync)
        .AddUnary(InferenceMethods.RepositoryModelUnload, async (r, context) =>
        {
            await models.UnloadAsync(r.ModelName, context.CancellationToken).ConfigureAwait(false);
            return new RepositoryModelUnloadResponse();
        })
        .Build();

    /// <summary>Runs one inference; errors are <see cref="RpcException"/>s with the protocol's codes.</summary>
    public async Task<ModelInferResponse> ModelInferAsync(ModelInferRequest request, ServerCallContext context)
    {
        var started = time.GetTimestamp();
        var code = StatusCode.OK;
        var modelName = request.ModelName;
        var version = request.ModelVersion;
        try
        {
            var (priority, timeout) = RequestDecoder.ReadParameters(request);
            DateTimeOffset? deadline = context.Deadline == DateTime.MaxValue ? null : new DateTimeOffset(DateTime.SpecifyKind(context.Deadline, DateTimeKind.Utc));
            var model = models.Resolve(request.ModelName, request.ModelVersion);
            while (true)
            {
                version = model.VersionText;
                var decoded = RequestDecoder.Decode(request, model);
                var enqueued = model.InferAsync(decoded, priority, deadline, timeout, context.CancellationToken);
                if (enqueued.IsFaulted && enqueued.Exception?.InnerException is RpcException { StatusCode: StatusCode.Unavailable }
                    && models.TryResolve(request.ModelName, request.ModelVersion) is { } replacement && replacement != model)
                {
                    // A reload retired the version this request resolved; the replacement is already serving.
                    model = replacement;
                    continue;
                }

                var outputs = await enqueued.ConfigureAwait(false);
                return ResponseEncoder.Encode(model, decoded, outputs);
            }
        }
        catch (RpcException ex)
        {
            code = ex.StatusCode;
            throw;
        }
        catch
        {
            code = StatusCode.Internal;
            throw;
        }
        finally
        {
            metrics.RequestCompleted(modelName, version, StatusCodeNames.Of(code), time.GetElapsedTime(started));
        }
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

    private static ServerMetadataResponse ServerMetadata()
    {
        var response = new ServerMetadataResponse { Name = ServerName, Version = typeof(InferenceService).Assembly.GetName().Version?.ToString() ?? "0" };
        response.Extensions.AddRange(["model_repository", "model_configuration", "statistics", "schedule_policy"]);
        return response;
    }

    private ModelMetadataResponse ModelMetadata(ModelMetadataRequest request)
    {
        var model = models.Resolve(request.Name, request.Version);
        var response = new ModelMetadataResponse { Name = model.Name, Platform = ModelConfigMapper.TritonOnnxPlatform };
        response.Versions.AddRange(request.Version.Length > 0
            ? [model.VersionText]
            : models.LoadedModels.Where(m => m.Name == model.Name).Select(m => m.VersionText));
        foreach (var (tensors, target) in new[] { (model.Signature.Inputs, response.Inputs), (model.Signature.Outputs, response.Outputs) })
        {
            foreach (var tensor in tensors)
            {
                var metadata = new ModelMetadataResponse.Types.TensorMetadata { Name = tensor.Name, Datatype = tensor.Datatype };
                metadata.Shape.AddRange(tensor.WireShape(model.Signature.Batched));
                target.Add(metadata);
            }
        }

        return response;
    }

    private ModelStatisticsResponse ModelStatistics(ModelStatisticsRequest request)
    {
        IEnumerable<LoadedModel> selected;
        if (request.Name.Length == 0)
        {
            selected = models.LoadedModels;
        }
        else if (request.Version.Length == 0)
        {
            selected = models.LoadedModels.Where(m => m.Name == request.Name).ToArray();
            if (!selected.Any())
            {
                selected = [models.Resolve(request.Name, "")];
            }
        }
        else
        {
            selected = [models.Resolve(request.Name, request.Version)];
        }

        var response = new ModelStatisticsResponse();
        response.ModelStats.AddRange(selected.Select(m => m.Statistics.ToProto(m.Name, m.VersionText)));
        return response;
    }

    private RepositoryIndexResponse RepositoryIndex(RepositoryIndexRequest request)
    {
        var response = new RepositoryIndexResponse();
        foreach (var entry in models.Index())
        {
            if (request.Ready && entry.State != ModelState.Ready)
            {
                continue;
            }

            response.Models.Add(new RepositoryIndexResponse.Types.ModelIndex
            {
                Name = entry.Name,
                Version = entry.Version,
                State = entry.State.ToString().ToUpperInvariant(),
                Reason = entry.Reason,
            });
        }

        return response;
    }

    private async Task<RepositoryModelLoadResponse> RepositoryModelLoadAsync(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        ModelConfiguration? config = null;
        if (request.Parameters.TryGetValue("config", out var parameter))
        {
            if (parameter.ParameterChoiceCase != ModelRepositoryParameter.ParameterChoiceOneofCase.StringParam)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "parameter 'config' must be a JSON string"));
            }

            config = ModelConfigurationSerializer.Parse(parameter.StringParam, out var error);
            if (error is not null)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"parameter 'config': {error}"));
            }
        }

        if (request.Parameters.Keys.Any(k => k.StartsWith("file:", StringComparison.Ordinal)))
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "loading model files from request parameters is not supported; place them in the repository"));
        }

        await models.LoadAsync(request.ModelName, config, context.CancellationToken).ConfigureAwait(false);
        return new RepositoryModelLoadResponse();
    }
}
