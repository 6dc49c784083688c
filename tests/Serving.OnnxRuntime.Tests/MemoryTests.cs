using System.Diagnostics;
using Serving.OnnxRuntime.Tests.Infrastructure;

namespace Serving.OnnxRuntime.Tests;

/// <summary>
/// Runs leave nothing behind: no OrtValue, status, run options, pin or pooled buffer escapes a run.
/// Measured as resident memory (RSS) after a full GC, which is stable within a few MB run to run here;
/// private bytes are not used because glibc's per-thread malloc arenas make them jump by tens of MB.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class MemoryTests
{
    /// <summary>10,000 runs of the real landmark model ([1,1,64,64] -> 136 values).</summary>
    [Fact]
    public void Run_TenThousandTimesOnLandmarkModel_DoesNotGrowProcessMemory()
    {
        using InferenceSession session = TestEnvironment.CreateSession("fr_landmark.onnx");
        float[] input = TestEnvironment.RandomInput(seed: 5, 64 * 64);
        using var cancellation = new CancellationTokenSource();

        long growth = MeasureGrowth(() =>
        {
            // A cancellable token so that every run also creates and releases its run options.
            using RunResult result = session.Run([NamedTensor.Create<float>("input", [1, 1, 64, 64], input)], cancellation.Token);
            Assert.Equal(136, result[0].GetSpan<float>().Length);
        });

        Assert.True(growth < 16 * 1024 * 1024, $"resident memory grew by {growth / 1048576.0:F1} MB over 10,000 runs");
    }

    /// <summary>
    /// 10,000 runs moving 256 KB in and 256 KB out (pooled outputs and caller-allocated outputs alternately):
    /// leaking either side of one run per run would add 2.5 GB.
    /// </summary>
    [Fact]
    public void Run_TenThousandTimesWithLargeTensors_DoesNotGrowProcessMemory()
    {
        const int count = 64 * 1024;
        using InferenceSession session = TestEnvironment.CreateSession(TinyOnnx.IdentityModel(TensorElementType.Float));
        float[] input = TestEnvironment.RandomInput(seed: 6, count);
        var preallocated = new float[count];
        int iteration = 0;

        long growth = MeasureGrowth(() =>
        {
            if (iteration++ % 2 == 0)
            {
                using RunResult result = session.Run([NamedTensor.Create<float>("x", [count], input)]);
                Assert.Equal(input[^1], result[0].GetSpan<float>()[^1]);
            }
            else
            {
                session.RunInto([NamedTensor.Create<float>("x", [count], input)], [NamedTensor.Create<float>("y", [count], preallocated)]);
            }
        });

        Assert.Equal(input, preallocated);
        Assert.True(growth < 64 * 1024 * 1024, $"resident memory grew by {growth / 1048576.0:F1} MB over 10,000 runs");
    }

    private static long MeasureGrowth(Action run)
    {
        for (int i = 0; i < 1_000; i++)
        {
            run();
        }

        long before = SettledResidentMemory();
        for (int i = 0; i < 10_000; i++)
        {
            run();
        }

        return SettledResidentMemory() - before;
    }

    private static long SettledResidentMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
