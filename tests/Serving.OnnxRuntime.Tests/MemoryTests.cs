using System.Diagnostics;
using Serving.OnnxRuntime.Tests.Infrastructure;

namespace Serving.OnnxRuntime.Tests;

[Collection(SerialCollection.Name)]
public sealed class MemoryTests
{
    /// <summary>
    /// 10,000 runs of the real landmark model ([1,1,64,64] -> 136 values) leave the process's memory where
    /// warm-up left it: no OrtValue, status, run options, pin or pooled buffer escapes a run. A leak of only
    /// the output values would add about 10 MB; of the input values and their pins, far more.
    /// </summary>
    [Fact]
    public void Run_TenThousandTimes_DoesNotGrowProcessMemory()
    {
        using InferenceSession session = TestEnvironment.CreateSession("fr_landmark.onnx");
        float[] input = TestEnvironment.RandomInput(seed: 5, 64 * 64);
        using var cancellation = new CancellationTokenSource();
        void RunOnce()
        {
            // A cancellable token so that every run also creates and releases its run options.
            using RunResult result = session.Run([NamedTensor.Create<float>("input", [1, 1, 64, 64], input)], cancellation.Token);
            Assert.Equal(136, result[0].GetSpan<float>().Length);
        }

        for (int i = 0; i < 1_000; i++)
        {
            RunOnce();
        }

        long before = SettledMemory();
        for (int i = 0; i < 10_000; i++)
        {
            RunOnce();
        }

        long growth = SettledMemory() - before;
        Assert.True(growth < 8 * 1024 * 1024, $"process memory grew by {growth / 1024.0 / 1024.0:F1} MB over 10,000 runs");
    }

    private static long SettledMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return process.PrivateMemorySize64;
    }
}
