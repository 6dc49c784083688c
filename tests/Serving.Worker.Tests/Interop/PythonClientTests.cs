using Serving.Worker.Tests.Infrastructure;

namespace Serving.Worker.Tests.Interop;

/// <summary>A python3-grpcio client generated from protos/inference calls every RPC of a worker on loopback.</summary>
public sealed class PythonClientTests
{
    [Fact]
    public async Task PythonGrpcioClient_FromPublicProtocol_CallsEveryRpc()
    {
        using var repository = new TestRepository();
        repository.AddDoubler();
        await using var host = await WorkerTestHost.StartAsync(repository.Path, loopback: true);
        var stubs = Path.Combine(Path.GetTempPath(), "serving-worker-interop-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(stubs);
        try
        {
            var protos = Path.Combine(AppContext.BaseDirectory, "Protos");
            var (code, output) = await Python.RunAsync("-m", "grpc_tools.protoc", "-I", protos, "--python_out=" + stubs, "--grpc_python_out=" + stubs,
                "inference/grpc_service.proto", "inference/model_config.proto");
            Assert.True(code == 0, $"grpc_tools.protoc failed (python3-grpcio and python3-grpc-tools are required; ./test.sh installs them): {output}");

            (code, output) = await Python.RunAsync(Path.Combine(AppContext.BaseDirectory, "Interop", "kserve_client.py"), stubs, host.Address.Authority);

            Assert.True(code == 0, output);
            foreach (var rpc in new[] { "ServerLive", "ServerReady", "ModelReady", "ServerMetadata", "ModelMetadata", "ModelInfer", "ModelStreamInfer",
                "ModelConfig", "ModelStatistics", "RepositoryIndex", "RepositoryModelUnload", "RepositoryModelLoad" })
            {
                Assert.Contains("ok " + rpc + "\n", output, StringComparison.Ordinal);
            }

            Assert.Contains("done", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(stubs, recursive: true);
        }
    }
}
