using Grpc.Health.V1;
using Serving.Grpc;
using Serving.Grpc.Health;
using Serving.Protocol;
using Serving.Protocol.Inference;
using Serving.Protocol.V1;
using Serving.Router.Security;

namespace Serving.Router.Tests.Frontend;

/// <summary>The router's front ends over a worker whose load the test sets: selection by budget and load, fast rejection, authentication, metrics.</summary>
public sealed class RouterFrontendTests
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ModelInfer_Alias_HeavySaturated_TightBudgetGetsLightLooseBudgetKeepsHeavy()
    {
        await using var cluster = await RouterTestCluster.StartAsync();
        using var channel = cluster.CreateChannel();
        var tight = TimeSpan.FromSeconds(1);
        await cluster.ReportAsync(heavyQueued: 0);

        // Idle: heavy's predicted 200 ms fits the 1 s budget, and it is the better variant.
        await InferAsync(channel, RouterTestCluster.Request("face-embedding", sloClass: "batch"), deadline: null);
        // A fresh report covers that request (until then the router counts it as queued ahead).
        await cluster.ReportAsync(heavyQueued: 0);
        var idle = await InferAsync(channel, RouterTestCluster.Request("face-embedding"), tight);

        // 40 queued ahead of a new request: two full batches of 3 s before it, so heavy no longer fits 1 s.
        await cluster.ReportAsync(heavyQueued: 40);
        var saturatedTight = await InferAsync(channel, RouterTestCluster.Request("face-embedding"), tight);
        var saturatedLoose = await InferAsync(channel, RouterTestCluster.Request("face-embedding", sloClass: "batch"), deadline: null);

        Assert.Equal("heavy", idle.ModelName);
        Assert.Equal("light", saturatedTight.ModelName);
        Assert.Equal("heavy", saturatedLoose.ModelName);
        Assert.Equal("best_fit", saturatedTight.Parameters["selection_reason"].StringParam);
        Assert.Equal(cluster.WorkerAddress, saturatedTight.Parameters["worker"].StringParam);
    }

    [Fact]
    public async Task ModelInfer_HeavyCallsRunLate_RouterCalibratesAndMovesTheBudgetToLight()
    {
        await using var cluster = await RouterTestCluster.StartAsync(options =>
        {
            options.LoadTracking.Calibration.MinSamples = 4;
            options.LoadTracking.Calibration.MaxFactor = 10;
            // Each report covers every request sent before it, so the calls below do not queue on paper.
            options.LoadTracking.SentCoverageDelay = TimeSpan.Zero;
        });
        using var channel = cluster.CreateChannel();
        var budget = TimeSpan.FromSeconds(1);

        // Heavy's 200 ms (p99 by the reports) fits 1 s (the first call, without a deadline, warms the router up).
        await cluster.ReportAsync();
        await InferAsync(channel, RouterTestCluster.Request("face-embedding", sloClass: "batch"), deadline: null);
        await cluster.ReportAsync();
        Assert.Equal("heavy", (await InferAsync(channel, RouterTestCluster.Request("face-embedding"), budget)).ModelName);

        // The worker now misses every heavy deadline: each call took at least the 1 s it had, about 5x its prediction.
        cluster.FailModel = model => model == "heavy" ? new Status(StatusCode.DeadlineExceeded, "deadline_unattainable") : null;
        for (var i = 0; i < 4; i++)
        {
            await cluster.ReportAsync();
            var late = await Assert.ThrowsAsync<RpcException>(() => InferAsync(channel, RouterTestCluster.Request("heavy"), budget));
            Assert.Equal(StatusCode.DeadlineExceeded, late.StatusCode);
        }

        // The reports still say 200 ms, but the router plans with what its calls took.
        await cluster.ReportAsync();
        var answer = await InferAsync(channel, RouterTestCluster.Request("face-embedding"), budget);
        Assert.Equal("light", answer.ModelName);
        Assert.Equal("best_fit", answer.Parameters["selection_reason"].StringParam);
    }

    [Fact]
    public async Task ModelInfer_WorkerShedsTheHeavyVariant_RescuedWithTheLightOneInTime()
    {
        await using var cluster = await RouterTestCluster.StartAsync();
        using var channel = cluster.CreateChannel();
        cluster.FailModel = model => model == "heavy" ? new Status(StatusCode.DeadlineExceeded, "deadline_unattainable") : null;
        await cluster.ReportAsync();

        var answer = await InferAsync(channel, RouterTestCluster.Request("face-embedding"), TimeSpan.FromSeconds(5));

        Assert.Equal("light", answer.ModelName);
        Assert.Equal("rescue", answer.Parameters["selection_reason"].StringParam);
        Assert.Equal(["heavy", "light"], cluster.InferredModels());
    }

    [Fact]
    public async Task ModelInfer_HeavyVariantStalls_RescuedBeforeTheDeadlineAndTheStalledCallCancelled()
    {
        // A wide window (20 x light's 12 ms predicted) so the rescue has time to spare on a busy machine.
        await using var cluster = await RouterTestCluster.StartAsync(options => options.Dispatch.RescueWindowFactor = 20);
        using var channel = cluster.CreateChannel();
        cluster.StallModel = model => model == "heavy";
        await cluster.ReportAsync();

        // Heavy (200 ms predicted) fits 1 s; it never answers, so light goes out 240 ms before the deadline.
        var answer = await InferAsync(channel, RouterTestCluster.Request("face-embedding"), TimeSpan.FromSeconds(1));

        Assert.Equal(("light", "rescue"), (answer.ModelName, answer.Parameters["selection_reason"].StringParam));
        Assert.Equal("heavy", await cluster.StallsCancelled.Task.WaitAsync(SafetyTimeout));
    }

    [Fact]
    public async Task ModelInfer_NoRescueForPinnedFixedPolicyOrWhenTurnedOff_TheShedIsTheAnswer()
    {
        static async Task<RpcException> ShedAsync(string model, Action<RouterOptions>? configure = null)
        {
            await using var cluster = await RouterTestCluster.StartAsync(configure);
            using var channel = cluster.CreateChannel();
            cluster.FailModel = m => m == "heavy" ? new Status(StatusCode.DeadlineExceeded, "deadline_unattainable") : null;
            await cluster.ReportAsync();
            var error = await Assert.ThrowsAsync<RpcException>(() => InferAsync(channel, RouterTestCluster.Request(model), TimeSpan.FromSeconds(5)));
            Assert.Equal(["heavy"], cluster.InferredModels());
            return error;
        }

        Assert.Equal(StatusCode.DeadlineExceeded, (await ShedAsync("heavy")).StatusCode);
        Assert.Equal(StatusCode.DeadlineExceeded, (await ShedAsync("face-embedding", o => o.Selector = "always-best")).StatusCode);
        Assert.Equal(StatusCode.DeadlineExceeded, (await ShedAsync("face-embedding", o => o.Dispatch.Rescue = false)).StatusCode);
    }

    [Fact]
    public async Task ModelInfer_ImpossibleBudget_ResourceExhaustedWithoutAskingTheWorker()
    {
        await using var cluster = await RouterTestCluster.StartAsync();
        using var channel = cluster.CreateChannel();
        await cluster.ReportAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => InferAsync(channel, RouterTestCluster.Request("face-embedding", sloClass: "impossible"), deadline: null));
        var bestEffort = RouterTestCluster.Request("face-embedding", sloClass: "impossible");
        bestEffort.Parameters["best_effort"] = new InferParameter { BoolParam = true };
        var served = await InferAsync(channel, bestEffort, deadline: null);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.StartsWith("slo_unattainable: no variant of task 'face-embedding' can answer within", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("light", served.ModelName);
        Assert.Equal("best_effort", served.Parameters["selection_reason"].StringParam);
        // Only the best-effort request reached the worker.
        Assert.Equal(["light"], cluster.InferredModels());
    }

    [Fact]
    public async Task Calls_ApiKeysConfigured_MissingOrUnknownKeyUnauthenticatedHealthOpen()
    {
        await using var cluster = await RouterTestCluster.StartAsync(o => o.ApiKeys = ApiKeys.Of("s3cret-key"));
        using var channel = cluster.CreateChannel();
        await cluster.ReportAsync();
        var status = new GetStatusRequest();

        var missing = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(ClusterMethods.GetStatus, status, CallOptions.WithTimeout(SafetyTimeout)).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(ClusterMethods.GetStatus, status, new CallOptions(Headers: new Metadata().Add("authorization", "Bearer wrong"))).ResponseAsync);
        var bearer = await channel.CallInvoker.UnaryAsync(ClusterMethods.GetStatus, status, new CallOptions(Headers: new Metadata().Add("authorization", "Bearer s3cret-key"))).ResponseAsync;
        var header = await channel.CallInvoker.UnaryAsync(ClusterMethods.GetStatus, status, new CallOptions(Headers: new Metadata().Add("x-api-key", "s3cret-key"))).ResponseAsync;
        var health = await channel.CallInvoker.UnaryAsync(HealthMethods.Check, new HealthCheckRequest(), CallOptions.WithTimeout(SafetyTimeout)).ResponseAsync;

        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Contains("missing API key", missing.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, unknown.StatusCode);
        Assert.DoesNotContain("wrong", unknown.Status.Detail, StringComparison.Ordinal);
        Assert.True(bearer.Ready && header.Ready);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task Health_WorkerStreamBreaks_NotServingUntilItReports()
    {
        await using var cluster = await RouterTestCluster.StartAsync();
        using var channel = cluster.CreateChannel();
        var before = await channel.CallInvoker.UnaryAsync(HealthMethods.Check, new HealthCheckRequest(), CallOptions.WithTimeout(SafetyTimeout)).ResponseAsync;
        await cluster.ReportAsync();
        var after = await channel.CallInvoker.UnaryAsync(HealthMethods.Check, new HealthCheckRequest(), CallOptions.WithTimeout(SafetyTimeout)).ResponseAsync;
        var ready = await channel.CallInvoker.UnaryAsync(InferenceMethods.ServerReady, new ServerReadyRequest(), CallOptions.WithTimeout(SafetyTimeout)).ResponseAsync;

        var liveness = await channel.CallInvoker.UnaryAsync(HealthMethods.Check, new HealthCheckRequest { Service = "liveness" }, CallOptions.WithTimeout(SafetyTimeout)).ResponseAsync;
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, before.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, liveness.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, after.Status);
        Assert.True(ready.Ready);
    }

    [Fact]
    public async Task Metrics_AfterTraffic_RouterSeriesExposed()
    {
        await using var cluster = await RouterTestCluster.StartAsync();
        using var channel = cluster.CreateChannel();
        await cluster.ReportAsync();
        await InferAsync(channel, RouterTestCluster.Request("face-embedding"), TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<RpcException>(() => InferAsync(channel, RouterTestCluster.Request("face-embedding", sloClass: "impossible"), deadline: null));

        using var http = cluster.CreateHttpClient();
        var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Contains("serving_requests_total{", text, StringComparison.Ordinal);
        Assert.Matches("serving_requests_total\\{[^}]*code=\"RESOURCE_EXHAUSTED\"[^}]*\\} 1", text);
        Assert.Matches("serving_selections_total\\{[^}]*reason=\"best_fit\"[^}]*variant=\"heavy\"[^}]*\\} 1", text);
        Assert.Matches("serving_selections_total\\{[^}]*reason=\"slo_unattainable\"[^}]*\\} 1", text);
        Assert.Matches("serving_slo_attained_total\\{slo=\"standard\",task=\"face-embedding\"\\} 1", text);
        Assert.Matches("serving_slo_missed_total\\{slo=\"impossible\",task=\"face-embedding\"\\} 1", text);
        Assert.Contains("serving_request_duration_seconds_bucket{", text, StringComparison.Ordinal);
        Assert.Matches("serving_workers_ready\\{model=\"heavy\"\\} 1", text);
        Assert.Matches("serving_prediction_calibration\\{model=\"heavy\",worker=\"" + System.Text.RegularExpressions.Regex.Escape(cluster.WorkerAddress) + "\"\\} 1", text);
        Assert.Matches("serving_breaker_state\\{worker=\"" + System.Text.RegularExpressions.Regex.Escape(cluster.WorkerAddress) + "\"\\} 0", text);
        Assert.Matches("serving_retries_total\\{task=\"face-embedding\"\\} 0", text);
        Assert.Contains("serving_hedges_total{task=\"face-embedding\"}", text, StringComparison.Ordinal);
    }

    private static async Task<ModelInferResponse> InferAsync(GrpcChannel channel, ModelInferRequest request, TimeSpan? deadline)
    {
        using var safety = new CancellationTokenSource(SafetyTimeout);
        return await channel.CallInvoker.UnaryAsync(
            InferenceMethods.ModelInfer,
            request,
            new CallOptions(Deadline: deadline is { } d ? DateTime.UtcNow + d : null, CancellationToken: safety.Token)).ResponseAsync;
    }
}
