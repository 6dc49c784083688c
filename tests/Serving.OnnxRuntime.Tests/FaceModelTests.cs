using Serving.OnnxRuntime.Tests.Infrastructure;

namespace Serving.OnnxRuntime.Tests;

/// <summary>The real face embedding model (faceplugin fr_feature.onnx): [1,3,112,112] -> [1,512].</summary>
public sealed class FaceModelTests
{
    private static readonly long[] InputShape = [1, 3, 112, 112];
    private const int InputLength = 3 * 112 * 112;

    [Fact]
    public void Metadata_FaceModel_DescribesInputAndOutput()
    {
        using InferenceSession session = TestEnvironment.CreateSession("fr_feature.onnx");
        TensorMetadata input = Assert.Single(session.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal(TensorElementType.Float, input.ElementType);
        Assert.Equal(InputShape, input.Shape);
        TensorMetadata output = Assert.Single(session.Outputs);
        Assert.Equal("output", output.Name);
        Assert.Equal(new long[] { 1, 512 }, output.Shape);
    }

    [Fact]
    public void Run_FaceModel_MatchesNodeReference()
    {
        float[] input = TestEnvironment.RandomInput(seed: 20240601, InputLength);
        float[] expected = NodeReference.Run(TestEnvironment.Model("fr_feature.onnx"), "input", InputShape, input);

        using InferenceSession session = TestEnvironment.CreateSession("fr_feature.onnx");
        using RunResult result = session.Run([NamedTensor.Create<float>("input", InputShape, input)]);

        TensorOutput output = result["output"];
        Assert.Equal(new long[] { 1, 512 }, output.Shape);
        Assert.Equal(TensorElementType.Float, output.ElementType);
        ReadOnlySpan<float> actual = output.GetSpan<float>();
        Assert.Equal(expected.Length, actual.Length);
        double maxDifference = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            maxDifference = Math.Max(maxDifference, Math.Abs(expected[i] - actual[i]));
        }

        Assert.True(maxDifference <= 1e-5, $"max |ours - onnxruntime-node| = {maxDifference:E3}");
        Assert.Contains(actual.ToArray(), v => v != 0);
    }

    [Fact]
    public void Create_FromBytes_GivesSameOutputAsFromFile()
    {
        float[] input = TestEnvironment.RandomInput(seed: 7, InputLength);
        using InferenceSession fromFile = TestEnvironment.CreateSession("fr_feature.onnx");
        using InferenceSession fromBytes = TestEnvironment.CreateSession(File.ReadAllBytes(TestEnvironment.Model("fr_feature.onnx")));

        using RunResult a = fromFile.Run([NamedTensor.Create<float>("input", InputShape, input)]);
        using RunResult b = fromBytes.Run([NamedTensor.Create<float>("input", InputShape, input)]);

        Assert.Equal(a[0].GetSpan<float>().ToArray(), b[0].GetSpan<float>().ToArray());
    }

    [Fact]
    public void RunInto_CallerAllocatedOutput_ReceivesSameValuesAsPooledOutput()
    {
        float[] input = TestEnvironment.RandomInput(seed: 11, InputLength);
        using InferenceSession session = TestEnvironment.CreateSession("fr_feature.onnx");
        using RunResult pooled = session.Run([NamedTensor.Create<float>("input", InputShape, input)]);

        var embedding = new float[512];
        session.RunInto(
            [NamedTensor.Create<float>("input", InputShape, input)],
            [NamedTensor.Create<float>("output", [1, 512], embedding)]);

        Assert.Equal(pooled[0].GetSpan<float>().ToArray(), embedding);
    }

    [Fact]
    public void Run_InputAsRawBytes_UsesMemoryInPlace()
    {
        float[] input = TestEnvironment.RandomInput(seed: 12, InputLength);
        var raw = new byte[InputLength * sizeof(float)];
        Buffer.BlockCopy(input, 0, raw, 0, raw.Length);
        using InferenceSession session = TestEnvironment.CreateSession("fr_feature.onnx");

        using RunResult fromFloats = session.Run([NamedTensor.Create<float>("input", InputShape, input)]);
        using RunResult fromBytes = session.Run([new NamedTensor("input", TensorElementType.Float, InputShape, raw)]);

        Assert.Equal(fromFloats[0].Data.ToArray(), fromBytes[0].Data.ToArray());
    }

    /// <summary>Concurrent Run on one session (documented as safe) gives each thread its own, correct answer.</summary>
    [Fact]
    public void Run_ConcurrentThreadsOnOneSession_MatchSequentialResults()
    {
        const int threads = 4;
        const int runsPerThread = 3;
        using InferenceSession session = TestEnvironment.CreateSession("fr_feature.onnx");
        float[][] inputs = Enumerable.Range(0, threads).Select(i => TestEnvironment.RandomInput(seed: 100 + i, InputLength)).ToArray();
        float[][] sequential = inputs.Select(input =>
        {
            using RunResult r = session.Run([NamedTensor.Create<float>("input", InputShape, input)]);
            return r[0].GetSpan<float>().ToArray();
        }).ToArray();

        // Dedicated threads (not the pool, which grows slowly on two cores) released together by a barrier.
        using var barrier = new Barrier(threads);
        var results = new float[threads][][];
        var errors = new Exception?[threads];
        Thread[] workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                results[t] = new float[runsPerThread][];
                barrier.SignalAndWait();
                for (int run = 0; run < runsPerThread; run++)
                {
                    using RunResult r = session.Run([NamedTensor.Create<float>("input", InputShape, inputs[t])]);
                    results[t][run] = r[0].GetSpan<float>().ToArray();
                }
            }
            catch (Exception e)
            {
                errors[t] = e;
            }
        })).ToArray();
        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        foreach (Thread worker in workers)
        {
            Assert.True(worker.Join(TimeSpan.FromSeconds(60)), "a worker thread did not finish");
        }

        Assert.All(errors, Assert.Null);
        for (int t = 0; t < threads; t++)
        {
            foreach (float[] result in results[t])
            {
                Assert.Equal(sequential[t], result);
            }
        }

        Assert.NotEqual(sequential[0], sequential[1]);
    }
}
