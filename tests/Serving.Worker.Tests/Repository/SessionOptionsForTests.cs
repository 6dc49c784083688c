using Serving.OnnxRuntime;
using Serving.Worker.Inference;

namespace Serving.Worker.Tests.Repository;

/// <summary>The worker's <c>--device</c> and <c>--threads</c> as the session options every model gets.</summary>
public sealed class SessionOptionsForTests
{
    [Theory]
    [InlineData("cpu", ExecutionProvider.Cpu, 0)]
    [InlineData("CPU", ExecutionProvider.Cpu, 0)]
    [InlineData("cuda", ExecutionProvider.Cuda, 0)]
    [InlineData(" cuda:1 ", ExecutionProvider.Cuda, 1)]
    public void SessionOptionsFor_Device_PicksTheProviderAndCard(string device, ExecutionProvider provider, int card)
    {
        var options = ModelManager.SessionOptionsFor(threads: 3, device);

        Assert.Equal(provider, options.ExecutionProvider);
        Assert.Equal(card, options.CudaDeviceId);
        Assert.Equal(3, options.IntraOpThreads);
    }
}
