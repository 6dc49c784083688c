using System.Globalization;
using Google.Protobuf;
using Serving.Grpc;
using Serving.IntegrationTests.Infrastructure;
using Serving.Protocol;
using Serving.Protocol.Inference;
using Serving.Protocol.V1;
using Serving.Worker.Repository.Tools;

namespace Serving.IntegrationTests;

/// <summary>
/// A real cluster serving a synthetic heavy variant (DPN-68, allowed by <c>--allow-synthetic</c>)
/// beside the real light one, with SLO classes from a configuration file: an impossible budget is
/// refused at once without any worker being asked; best effort serves it anyway. (Selection under
/// load is tested in memory, where the load is set exactly: Serving.Router.Tests.)
/// </summary>
public sealed class SelectionTests : IAsyncLifetime
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    private readonly string _repository = Path.Combine(Path.GetTempPath(), "serving-selection-" + Guid.NewGuid().ToString("N"));
    private Cluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var source = Cluster.DefaultRepositoryPath();
        foreach (var model in new[] { "fr_detect", "fr_landmark", "fr_feature" })
        {
            Copy(Path.Combine(source, model), Path.Combine(_repository, model));
        }

        SyntheticVariants.AddTo(_repository, ["dpn68_face"], TextWriter.Null);
        var config = Path.Combine(_repository, "router.yaml");
        File.WriteAllText(config, """
            sloClasses:
              - {name: standard, latencyMs: 500, percentile: 99}
              - {name: batch, latencyMs: 10000, percentile: 50}
              - {name: impossible, latencyMs: 0.5, percentile: 99}
            """);
        _cluster = await Cluster.StartAsync(_repository, "--allow-synthetic", "--config", config);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_repository, recursive: true);
    }

    [Fact]
    public async Task Embed_ImpossibleBudget_RejectedWithoutAskingAnyWorker()
    {
        using var channel = _cluster.CreateChannel();
        var before = await InferenceCountAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => EmbedAsync(channel.CallInvoker, "impossible"));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.StartsWith("slo_unattainable", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await InferenceCountAsync());

        // Best effort turns the same request into an answer from the fastest variant.
        var served = await EmbedAsync(channel.CallInvoker, "impossible", bestEffort: true);
        Assert.Equal("best_effort", served.ServedBy.SelectionReason);
        Assert.Contains(served.ServedBy.Variant, new[] { "fr_feature", "dpn68_face" });
    }

    // Without a deadline the class's budget is the request's; cancellation after a minute is only a safety net.
    private static async Task<EmbedResponse> EmbedAsync(CallInvoker invoker, string slo, string pinned = "", bool bestEffort = false, TimeSpan? deadline = null)
    {
        using var safety = new CancellationTokenSource(CallTimeout);
        return await invoker.UnaryAsync(
            FaceMethods.Embed,
            new EmbedRequest
            {
                Image = ByteString.CopyFrom(File.ReadAllBytes(Path.Combine(DevData.FaceImages, "img1.jpg"))),
                Options = new RequestOptions { SloClass = slo, PinnedVariant = pinned, BestEffort = bestEffort },
            },
            new CallOptions(Deadline: deadline is { } d ? DateTime.UtcNow + d : null, CancellationToken: safety.Token)).ResponseAsync;
    }

    // Inferences (successful and failed) over every model of every worker, through the router's aggregated statistics.
    private async Task<ulong> InferenceCountAsync()
    {
        using var channel = _cluster.CreateChannel();
        var statistics = await channel.CallInvoker.UnaryAsync(InferenceMethods.ModelStatistics, new ModelStatisticsRequest(), CallOptions.WithTimeout(CallTimeout)).ResponseAsync;
        return statistics.ModelStats.Aggregate(0UL, (sum, s) => sum + s.InferenceCount + (s.InferenceStats?.Fail?.Count ?? 0));
    }

    private static void Copy(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
