using Google.Protobuf;
using Serving.Client;
using Serving.Grpc;
using Serving.Protocol.Inference;
using Serving.Testing.Fakes;

namespace Serving.Client.Tests;

public sealed class ServingClientTests : IAsyncLifetime
{
    private static readonly byte[] ImageA = [1, 2, 3];
    private static readonly byte[] ImageB = [4, 5, 6];
    private FakeRouter _router = null!;

    public async Task InitializeAsync() => _router = await FakeRouter.StartAsync();

    public async Task DisposeAsync() => await _router.DisposeAsync();

    [Fact]
    public async Task Verify_UnavailableTwiceThenOk_RetriesWithBackoffAndAnswers()
    {
        var time = new ManualTimeProvider();
        _router.Behaviour = call => call.Sequence <= 2 ? throw new RpcException(new Status(StatusCode.Unavailable, "worker gone")) : Task.CompletedTask;
        using var client = new ServingClient(_router.Endpoint, new ServingClientOptions { TimeProvider = time, Random = new Random(7), MaxAttempts = 3 });

        var verify = client.VerifyAsync(ImageA, ImageB);
        await time.WaitForArmedTimersAsync(1);
        Assert.Single(_router.Calls);
        time.Advance(TimeSpan.FromSeconds(1));
        await time.WaitForArmedTimersAsync(1);
        Assert.Equal(2, _router.Calls.Count);
        time.Advance(TimeSpan.FromSeconds(1));
        var response = await verify.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(response.Same);
        Assert.Equal("fake-heavy", response.ServedBy.Variant);
        Assert.Equal(3, _router.Calls.Count);
    }

    [Fact]
    public async Task Verify_AlwaysUnavailable_ThrowsUnavailableAfterMaxAttempts()
    {
        var time = new ManualTimeProvider();
        _router.Behaviour = _ => throw new RpcException(new Status(StatusCode.Unavailable, "no workers"));
        using var client = new ServingClient(_router.Endpoint, new ServingClientOptions { TimeProvider = time, Random = new Random(1), MaxAttempts = 2 });

        var verify = client.VerifyAsync(ImageA, ImageB);
        await time.WaitForArmedTimersAsync(1);
        time.Advance(TimeSpan.FromSeconds(1));
        var error = await Assert.ThrowsAsync<RpcException>(() => verify.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("no workers", error.Status.Detail);
        Assert.Equal(2, _router.Calls.Count);
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument, "image does not decode")]
    [InlineData(StatusCode.ResourceExhausted, "slo_unattainable")]
    [InlineData(StatusCode.DeadlineExceeded, "late")]
    public async Task Verify_OtherFailure_IsNotRetried(StatusCode code, string detail)
    {
        _router.Behaviour = _ => throw new RpcException(new Status(code, detail));
        using var client = new ServingClient(_router.Endpoint, new ServingClientOptions { Random = new Random(3), MaxAttempts = 5 });

        var error = await Assert.ThrowsAsync<RpcException>(() => client.VerifyAsync(ImageA, ImageB));

        Assert.Equal(code, error.StatusCode);
        Assert.Equal(detail, error.Status.Detail);
        Assert.Single(_router.Calls);
    }

    [Fact]
    public async Task Verify_BackoffWouldPassDeadline_ThrowsUnavailableWithoutWaiting()
    {
        var time = new ManualTimeProvider();
        _router.Behaviour = _ => throw new RpcException(new Status(StatusCode.Unavailable, "down"));
        using var client = new ServingClient(_router.Endpoint, new ServingClientOptions
        {
            TimeProvider = time, Random = new FixedRandom(0.5), InitialBackoff = TimeSpan.FromSeconds(1), MaxAttempts = 5,
        });

        // Backoff = 0.5 * 1 s = 500 ms > the 100 ms budget: no retry, and the clock never moves.
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.VerifyAsync(ImageA, ImageB, new ServingCallOptions { Deadline = TimeSpan.FromMilliseconds(100) }).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Single(_router.Calls);
    }

    [Fact]
    public async Task Segment_Deadline_ReachesServerAsGrpcTimeout()
    {
        using var client = new ServingClient(_router.Endpoint);
        var before = DateTime.UtcNow;

        await client.SegmentAsync(ImageA, new ServingCallOptions { Deadline = TimeSpan.FromSeconds(5) });

        var deadline = Assert.Single(_router.Calls).Deadline;
        Assert.InRange(deadline, before.AddSeconds(3), DateTime.UtcNow.AddSeconds(5.5));
    }

    [Fact]
    public async Task Embed_NoDeadline_SendsNone()
    {
        using var client = new ServingClient(_router.Endpoint);

        await client.EmbedAsync(ImageA);

        Assert.Equal(DateTime.MaxValue, Assert.Single(_router.Calls).Deadline);
    }

    [Fact]
    public async Task TaskCalls_Options_ReachServer()
    {
        using var client = new ServingClient(_router.Endpoint);
        var options = new ServingCallOptions { SloClass = "interactive", MinQuality = 0.95, PinnedVariant = "fake-light", BestEffort = true };

        await client.VerifyAsync(ImageA, ImageB, options);
        await client.EmbedAsync(ImageA, options);
        var detected = await client.DetectAsync(ImageA, options, minScore: 0.5f);
        var segmented = await client.SegmentAsync(ImageA, options);

        Assert.Equal(["Verify", "Embed", "Detect", "Segment"], _router.Calls.Select(c => c.Method));
        Assert.All(_router.Calls, call =>
        {
            Assert.Equal("interactive", call.Options!.SloClass);
            Assert.Equal(0.95, call.Options.MinQuality);
            Assert.Equal("fake-light", call.Options.PinnedVariant);
            Assert.True(call.Options.BestEffort);
        });
        Assert.Single(detected.Faces);
        Assert.Equal(0.25, segmented.ForegroundFraction);
    }

    [Fact]
    public async Task Calls_ApiKey_SentAsBearerAuthorization()
    {
        using var client = new ServingClient(_router.Endpoint, new ServingClientOptions { ApiKey = "s3cret" });

        await client.GetStatusAsync();
        await client.InferAsync(new ModelInferRequest { ModelName = "face-embedding" });

        Assert.All(_router.Calls, call => Assert.Equal("Bearer s3cret", call.Headers.GetValue("authorization")));
    }

    [Fact]
    public async Task Calls_NoApiKey_SendNoAuthorization()
    {
        using var client = new ServingClient("http://" + _router.Endpoint);

        await client.EmbedAsync(ImageA);

        Assert.Null(Assert.Single(_router.Calls).Headers.GetValue("authorization"));
    }

    [Fact]
    public async Task GetStatus_ReturnsRouterSnapshot()
    {
        using var client = new ServingClient(_router.Endpoint);

        var status = await client.GetStatusAsync();

        Assert.True(status.Ready);
        Assert.Equal(["w1", "w2"], status.Workers.Select(w => w.Id));
        Assert.Equal(100, status.SloClasses.Single(c => c.Name == "interactive").BudgetMs);
    }

    [Fact]
    public async Task Infer_ForwardsRawV2Request()
    {
        using var client = new ServingClient(_router.Endpoint);
        var request = new ModelInferRequest { ModelName = "face-embedding", Id = "r1", RawInputContents = { ByteString.CopyFrom(new byte[16]) } };

        var response = await client.InferAsync(request);

        Assert.Equal("face-embedding", response.ModelName);
        Assert.Equal("r1", response.Id);
        Assert.Equal("ModelInfer", Assert.Single(_router.Calls).Method);
    }

    [Theory]
    [InlineData("127.0.0.1:8001", "http://127.0.0.1:8001/")]
    [InlineData("router.serving.svc:443", "http://router.serving.svc:443/")]
    [InlineData("[::1]:8001", "http://[::1]:8001/")]
    [InlineData("https://router.example:8443", "https://router.example:8443/")]
    public void Constructor_Endpoint_IsNormalised(string endpoint, string expected)
    {
        using var client = new ServingClient(endpoint);

        Assert.Equal(expected, client.Endpoint.ToString());
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("localhost:99999")]
    [InlineData("ftp://host:21")]
    [InlineData("[::1]")]
    public void Constructor_BadEndpoint_Throws(string endpoint)
    {
        var error = Assert.Throws<ArgumentException>(() => new ServingClient(endpoint));

        Assert.Contains(endpoint, error.Message, StringComparison.Ordinal);
    }

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }
}
