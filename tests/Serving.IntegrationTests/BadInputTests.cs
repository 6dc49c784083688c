using Google.Protobuf;
using Serving.Grpc;
using Serving.IntegrationTests.Infrastructure;
using Serving.Protocol;
using Serving.Protocol.Inference;
using Serving.Protocol.V1;

namespace Serving.IntegrationTests;

/// <summary>Every bad input gets a status naming what is wrong, and the router keeps serving good requests.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BadInputTests(ClusterFixture fixture)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private static ByteString Face => ByteString.CopyFrom(File.ReadAllBytes(Path.Combine(DevData.FaceImages, "img1.jpg")));

    public static TheoryData<string> Cases => new()
    {
        "verify-empty", "verify-garbage", "verify-truncated", "verify-bomb", "verify-no-face", "verify-unknown-slo", "verify-unknown-variant",
        "verify-negative-quality", "verify-impossible-quality", "embed-garbage", "detect-bad-min-score", "segment-empty",
        "verify-over-size-limit", "infer-unknown-alias", "infer-no-model", "infer-bad-tensor", "infer-bad-parameter",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Rpc_BadInput_ClearStatusAndOthersUnaffected(string name)
    {
        using var channel = fixture.Cluster.CreateChannel();
        var invoker = channel.CallInvoker;
        var (code, fragment, call) = name switch
        {
            "verify-empty" => (StatusCode.InvalidArgument, "image_a is empty", Verify(ByteString.Empty, Face)),
            "verify-garbage" => (StatusCode.InvalidArgument, "image_b", Verify(Face, ByteString.CopyFromUtf8("definitely not a picture"))),
            "verify-truncated" => (StatusCode.InvalidArgument, "image_a", Verify(ByteString.CopyFrom(Face.Span[..4000]), Face)),
            "verify-bomb" => (StatusCode.InvalidArgument, "image_a", Verify(PngHeader(60_000, 60_000), Face)),
            "verify-over-size-limit" => (StatusCode.ResourceExhausted, "", Verify(ByteString.CopyFrom(new byte[17 * 1024 * 1024]), Face)),
            "verify-no-face" => (StatusCode.FailedPrecondition, "no face was found in image_b", Verify(Face, Blank())),
            "verify-unknown-slo" => (StatusCode.InvalidArgument, "unknown SLO class 'ludicrous'", Verify(Face, Face, new RequestOptions { SloClass = "ludicrous" })),
            "verify-unknown-variant" => (StatusCode.NotFound, "no variant 'dpn999'", Verify(Face, Face, new RequestOptions { PinnedVariant = "dpn999" })),
            "verify-negative-quality" => (StatusCode.InvalidArgument, "min_quality", Verify(Face, Face, new RequestOptions { MinQuality = -1 })),
            "verify-impossible-quality" => (StatusCode.FailedPrecondition, "below_min_quality", Verify(Face, Face, new RequestOptions { MinQuality = 2 })),
            "embed-garbage" => (StatusCode.InvalidArgument, "image:", (Func<Task>)(() => invoker.UnaryAsync(FaceMethods.Embed, new EmbedRequest { Image = ByteString.CopyFrom(1, 2, 3) }, CallOptions.WithTimeout(CallTimeout)).ResponseAsync)),
            "detect-bad-min-score" => (StatusCode.InvalidArgument, "min_score", () => invoker.UnaryAsync(FaceMethods.Detect, new DetectRequest { Image = Face, MinScore = 3 }, CallOptions.WithTimeout(CallTimeout)).ResponseAsync),
            "segment-empty" => (StatusCode.InvalidArgument, "image is empty", () => invoker.UnaryAsync(SegmentationMethods.Segment, new SegmentRequest(), CallOptions.WithTimeout(CallTimeout)).ResponseAsync),
            "infer-unknown-alias" => (StatusCode.NotFound, "unknown model or task 'face-teleportation'", Infer("face-embedding-x".Replace("embedding-x", "teleportation", StringComparison.Ordinal), 112)),
            "infer-no-model" => (StatusCode.InvalidArgument, "model_name is required", Infer("", 112)),
            "infer-bad-tensor" => (StatusCode.InvalidArgument, "input", Infer("face-embedding", 7)),
            "infer-bad-parameter" => (StatusCode.InvalidArgument, "parameter 'best_effort'", Infer("face-embedding", 112, p => p["best_effort"] = new InferParameter { StringParam = "yes" })),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, error.StatusCode);
        Assert.Contains(fragment, error.Status.Detail, StringComparison.Ordinal);

        // Nothing else is lost: a good request right after is answered.
        var good = await invoker.UnaryAsync(FaceMethods.Embed, new EmbedRequest { Image = Face }, CallOptions.WithTimeout(CallTimeout)).ResponseAsync;
        Assert.Equal(512, good.Embedding.Count);

        Func<Task> Verify(ByteString a, ByteString b, RequestOptions? options = null) =>
            () => invoker.UnaryAsync(FaceMethods.Verify, new VerifyRequest { ImageA = a, ImageB = b, Options = options }, CallOptions.WithTimeout(CallTimeout)).ResponseAsync;

        Func<Task> Infer(string model, int side, Action<Google.Protobuf.Collections.MapField<string, InferParameter>>? parameters = null) => () =>
        {
            var request = new ModelInferRequest { ModelName = model };
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 1, 3, side, side } });
            request.RawInputContents.Add(ByteString.CopyFrom(new byte[4 * 3 * side * side]));
            parameters?.Invoke(request.Parameters);
            return invoker.UnaryAsync(InferenceMethods.ModelInfer, request, CallOptions.WithTimeout(CallTimeout)).ResponseAsync;
        };
    }

    // A valid PNG signature and IHDR claiming a huge image (a decompression bomb's header).
    private static ByteString PngHeader(int width, int height)
    {
        byte[] ihdr = [0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', .. BigEndian(width), .. BigEndian(height), 8, 2, 0, 0, 0, 0, 0, 0, 0];
        return ByteString.CopyFrom([137, 80, 78, 71, 13, 10, 26, 10, .. ihdr]);

        static byte[] BigEndian(int value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
    }

    // A plain grey picture: decodable, no face.
    private static ByteString Blank()
    {
        var pixels = new byte[64 * 64 * 3];
        Array.Fill(pixels, (byte)128);
        return ByteString.CopyFrom(Serving.Models.Imaging.ImageCodec.EncodePng(pixels, 64, 64, 3));
    }
}
