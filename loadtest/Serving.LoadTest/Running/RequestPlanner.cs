using Google.Protobuf;
using Serving.Client;
using Serving.LoadTest.Workload;
using Serving.Protocol.Inference;

namespace Serving.LoadTest.Running;

/// <summary>One request chosen but not yet sent.</summary>
internal readonly record struct PlannedRequest(TaskKind Task, SloClass Slo, byte[] ImageA, byte[]? ImageB);

/// <summary>Chooses each request's task, SLO class and images (from the caller's seeded random) and sends it.</summary>
internal sealed class RequestPlanner(
    WeightedMix<TaskKind> tasks, WeightedMix<SloClass> slos, ImageSet faces, ImageSet segmentation, IReadOnlyDictionary<string, ModelInferRequest> inferBySlo)
{
    public PlannedRequest Plan(Random random)
    {
        var task = tasks.Pick(random);
        var slo = slos.Pick(random);
        return task switch
        {
            TaskKind.Verify => new PlannedRequest(task, slo, faces.Pick(random), faces.Pick(random)),
            TaskKind.Segment => new PlannedRequest(task, slo, segmentation.Pick(random), null),
            TaskKind.Infer => new PlannedRequest(task, slo, [], null),
            _ => new PlannedRequest(task, slo, faces.Pick(random), null),
        };
    }

    /// <summary>Sends <paramref name="request"/> with its class and budget; returns the variant that served it.</summary>
    public async Task<string> SendAsync(ServingClient client, PlannedRequest request)
    {
        var options = new ServingCallOptions { SloClass = request.Slo.Name, Deadline = request.Slo.Budget };
        switch (request.Task)
        {
            case TaskKind.Verify:
                return (await client.VerifyAsync(request.ImageA, request.ImageB, options).ConfigureAwait(false)).ServedBy?.Variant ?? "";
            case TaskKind.Embed:
                return (await client.EmbedAsync(request.ImageA, options).ConfigureAwait(false)).ServedBy?.Variant ?? "";
            case TaskKind.Detect:
                return (await client.DetectAsync(request.ImageA, options).ConfigureAwait(false)).ServedBy?.Variant ?? "";
            case TaskKind.Segment:
                return (await client.SegmentAsync(request.ImageA, options).ConfigureAwait(false)).ServedBy?.Variant ?? "";
            default:
                // The router names the serving variant in model_name for task aliases.
                return (await client.InferAsync(inferBySlo[request.Slo.Name], options).ConfigureAwait(false)).ModelName;
        }
    }

    /// <summary>
    /// A v2 request for <paramref name="model"/> with a seeded random tensor of the model's first
    /// input (symbolic dimensions as 1), one per SLO class (the class travels as the
    /// <c>slo_class</c> parameter of task aliases). FP32 [1,3,112,112] named <c>input</c> when the
    /// router gives no metadata.
    /// </summary>
    public static Dictionary<string, ModelInferRequest> BuildInferRequests(string model, ModelMetadataResponse? metadata, IEnumerable<SloClass> classes, int seed)
    {
        var input = metadata?.Inputs.FirstOrDefault();
        var name = input?.Name ?? "input";
        var datatype = input?.Datatype is { Length: > 0 } d ? d : "FP32";
        long[] shape = input is { Shape.Count: > 0 } ? input.Shape.Select(s => Math.Max(1, s)).ToArray() : [1, 3, 112, 112];
        var elements = shape.Aggregate(1L, (a, b) => a * b);
        var elementSize = datatype switch
        {
            "FP64" or "INT64" or "UINT64" => 8,
            "FP32" or "INT32" or "UINT32" => 4,
            "FP16" or "BF16" or "INT16" or "UINT16" => 2,
            _ => 1,
        };
        var bytes = new byte[elements * elementSize];
        var random = new Random(seed);
        if (datatype == "FP32")
        {
            var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
            for (var i = 0; i < floats.Length; i++)
            {
                floats[i] = (float)(random.NextDouble() * 2 - 1);
            }
        }
        else
        {
            random.NextBytes(bytes);
        }

        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = datatype };
        tensor.Shape.AddRange(shape);
        var raw = ByteString.CopyFrom(bytes);
        var requests = new Dictionary<string, ModelInferRequest>(StringComparer.Ordinal);
        foreach (var slo in classes)
        {
            var request = new ModelInferRequest { ModelName = model, Inputs = { tensor.Clone() }, RawInputContents = { raw } };
            request.Parameters["slo_class"] = new InferParameter { StringParam = slo.Name };
            requests[slo.Name] = request;
        }

        return requests;
    }
}
