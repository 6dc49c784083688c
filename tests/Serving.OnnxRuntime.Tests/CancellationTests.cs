using System.Diagnostics;
using Serving.OnnxRuntime.Tests.Infrastructure;

namespace Serving.OnnxRuntime.Tests;

/// <summary>Cancellation through ORT's run-options terminate flag, on a Loop model whose run time the test chooses.</summary>
public sealed class CancellationTests
{
    private const int Size = 128;

    [Fact]
    public void Run_LoopModel_ComputesRepeatedTanhMatMul()
    {
        (float[] weights, float[] x) = Data();
        using InferenceSession session = TestEnvironment.CreateSession(TinyOnnx.LoopModel(weights, Size));

        using RunResult result = session.Run(Inputs(steps: 3, x));

        float[] expected = Reference(weights, x, steps: 3);
        ReadOnlySpan<float> actual = result["y"].GetSpan<float>();
        for (int i = 0; i < Size; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4, $"y[{i}]: expected {expected[i]}, got {actual[i]}");
        }
    }

    /// <summary>A token cancelled before the run sets the terminate flag first: ORT refuses to start.</summary>
    [Fact]
    public void Run_TokenCancelledBeforeRun_ThrowsOperationCanceledAndSessionStillWorks()
    {
        (float[] weights, float[] x) = Data();
        using InferenceSession session = TestEnvironment.CreateSession(TinyOnnx.LoopModel(weights, Size));
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        var e = Assert.Throws<OperationCanceledException>(() => session.Run(Inputs(steps: 100_000_000, x), cancellation.Token));

        Assert.Equal(cancellation.Token, e.CancellationToken);
        OrtException ort = Assert.IsType<OrtException>(e.InnerException);
        Assert.Contains("terminate", ort.OrtMessage, StringComparison.OrdinalIgnoreCase);
        using RunResult after = session.Run(Inputs(steps: 2, x), CancellationToken.None);
        Assert.Equal(Size, after[0].GetSpan<float>().Length);
    }

    /// <summary>
    /// A run of 100 million loop steps (about 3 minutes of work here) is cancelled 100 ms after it was
    /// started: ORT sees the terminate flag between loop iterations, the run ends within seconds with
    /// OperationCanceledException, and the session serves the next run. (ORT logs nothing when a run
    /// starts, so the cancel is timed rather than signalled; on a machine too slow to start the run within
    /// 100 ms it lands before the run instead, which must behave the same.)
    /// </summary>
    [Fact]
    public async Task Run_CancelledWhileRunning_StopsPromptly()
    {
        (float[] weights, float[] x) = Data();
        using InferenceSession session = TestEnvironment.CreateSession(TinyOnnx.LoopModel(weights, Size));
        using var cancellation = new CancellationTokenSource();
        var stopwatch = Stopwatch.StartNew();

        Task run = Task.Factory.StartNew(
            () =>
            {
                cancellation.CancelAfter(TimeSpan.FromMilliseconds(100));
                using RunResult never = session.Run(Inputs(steps: 100_000_000, x), cancellation.Token);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        // The timeout is a safety net only: the cancelled run ends within milliseconds of the cancel.
        var e = await Assert.ThrowsAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(cancellation.Token, e.CancellationToken);
        Assert.Contains("terminate", Assert.IsType<OrtException>(e.InnerException).OrtMessage, StringComparison.OrdinalIgnoreCase);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"cancellation took {stopwatch.Elapsed}");
        using RunResult after = session.Run(Inputs(steps: 3, x), CancellationToken.None);
        Assert.Equal(Reference(weights, x, 3)[0], after[0].GetSpan<float>()[0], 4);
    }

    private static NamedTensor[] Inputs(long steps, float[] x) =>
        [NamedTensor.Create<long>("steps", [], new[] { steps }), NamedTensor.Create<float>("x", [1, Size], x)];

    private static (float[] Weights, float[] X) Data()
    {
        var random = new Random(42);
        // Scaled so repeated tanh(x W) stays away from saturation and the values stay informative.
        float[] weights = Enumerable.Range(0, Size * Size).Select(_ => (float)((random.NextDouble() * 2 - 1) / Math.Sqrt(Size))).ToArray();
        float[] x = Enumerable.Range(0, Size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return (weights, x);
    }

    private static float[] Reference(float[] weights, float[] x, int steps)
    {
        double[] v = x.Select(f => (double)f).ToArray();
        for (int s = 0; s < steps; s++)
        {
            var next = new double[Size];
            for (int j = 0; j < Size; j++)
            {
                double sum = 0;
                for (int k = 0; k < Size; k++)
                {
                    sum += v[k] * weights[(k * Size) + j];
                }

                next[j] = Math.Tanh(sum);
            }

            v = next;
        }

        return v.Select(d => (float)d).ToArray();
    }
}
