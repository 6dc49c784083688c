using Serving.Models.Onnx;
using Serving.Models.Profiling;
using Serving.OnnxRuntime;

namespace Serving.Models.Tests.Profiling;

public sealed class LatencyProfilerTests
{
    private static InferenceSession MatMulModel(Dim batch)
    {
        var g = new GraphBuilder("mm");
        var x = g.Input("x", OnnxDataType.Float, batch, 32);
        g.Output(g.Relu(g.MatMul(x, g.RandomWeights("w", [32, 16], new Random(3), 0.2f))), OnnxDataType.Float, batch, 16);
        return InferenceSession.Create(OnnxModel.Create(g).ToBytes(), new SessionOptions { IntraOpThreads = 1 });
    }

    [Fact]
    public void Measure_BatchableModel_ReportsEveryBatchSizeWithOrderedPercentiles()
    {
        using var session = MatMulModel("batch");

        var profile = LatencyProfiler.Measure(session, "mm", [1, 4, 16], runs: 12, warmup: 2, intraOpThreads: 1, device: "cpu");

        Assert.Equal(new[] { 1, 4, 16 }, profile.Batches.Select(b => b.BatchSize));
        Assert.All(profile.Batches, b =>
        {
            Assert.Equal(12, b.Runs);
            Assert.True(b.P50Microseconds > 0);
            Assert.True(b.P50Microseconds <= b.P95Microseconds && b.P95Microseconds <= b.P99Microseconds);
        });
    }

    [Fact]
    public void Measure_FixedBatchModel_ProfilesBatchOneOnly()
    {
        using var session = MatMulModel(1);

        var profile = LatencyProfiler.Measure(session, "mm", [1, 4, 16], runs: 3, warmup: 0, intraOpThreads: 1, device: "cpu");

        Assert.Equal(1, Assert.Single(profile.Batches).BatchSize);
    }

    [Fact]
    public void SaveBeside_WritesProfileJsonNextToTheModelThatParsesBack()
    {
        var directory = Directory.CreateTempSubdirectory("serving-profile-");
        try
        {
            var modelPath = Path.Combine(directory.FullName, "model.onnx");
            var profile = new LatencyProfile("m", "cpu", 1, "test", DateTimeOffset.UnixEpoch, [new BatchLatency(2, 10, 20, 30, 5)]);

            var saved = profile.SaveBeside(modelPath);

            Assert.Equal(Path.Combine(directory.FullName, LatencyProfile.FileName), saved);
            var parsed = LatencyProfile.Parse(File.ReadAllText(saved));
            Assert.Equal(profile.Batches, parsed.Batches);
            Assert.Equal("m", parsed.Model);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void RandomInputs_SameSeed_SameBytes()
    {
        using var session = MatMulModel("batch");

        var a = RandomInputs.For(session, 3, new Random(5));
        var b = RandomInputs.For(session, 3, new Random(5));

        Assert.Equal(new long[] { 3, 32 }, a[0].Shape);
        Assert.Equal(a[0].Bytes.ToArray(), b[0].Bytes.ToArray());
    }
}
