using Serving.IntegrationTests.Infrastructure;

namespace Serving.IntegrationTests;

/// <summary>A python3-grpcio client built from the public protocols (stubs generated at test time) talks to a real router.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PythonClientTests(ClusterFixture fixture)
{
    [Fact]
    public async Task PythonGrpcioClient_V2ByTaskAliasAndTaskApi_Answered()
    {
        var stubs = Path.Combine(Path.GetTempPath(), "serving-router-interop-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(stubs);
        try
        {
            var protos = Path.Combine(ServingCli.RepositoryRoot(), "protos");
            var (code, output) = await Python.RunAsync("-m", "grpc_tools.protoc", "-I", protos, "--python_out=" + stubs, "--grpc_python_out=" + stubs,
                "inference/grpc_service.proto", "inference/model_config.proto", "serving/v1/vision.proto");
            Assert.True(code == 0, $"grpc_tools.protoc failed (python3-grpcio and python3-grpc-tools are required; ./test.sh installs them): {output}");

            (code, output) = await Python.RunAsync(
                Path.Combine(AppContext.BaseDirectory, "Interop", "router_client.py"), stubs, fixture.Cluster.Router.Address,
                Path.Combine(DevData.FaceImages, "img1.jpg"), Path.Combine(DevData.FaceImages, "img2.jpg"));

            Assert.True(code == 0, output);
            foreach (var check in new[] { "ok ready", "ok metadata by alias", "ok infer by alias", "ok unknown alias NOT_FOUND", "ok verify", "ok garbage INVALID_ARGUMENT", "done" })
            {
                Assert.Contains(check, output, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(stubs, recursive: true);
        }
    }
}
