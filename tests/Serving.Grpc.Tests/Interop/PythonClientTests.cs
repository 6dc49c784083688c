using System.Collections.Concurrent;
using System.Text.Json;
using Serving.Grpc.Tests.Infrastructure;

namespace Serving.Grpc.Tests.Interop;

/// <summary>Runs Interop/echo_client.py (python3-grpcio) once against our Kestrel server and keeps each scenario's outcome.</summary>
public sealed class PythonClientFixture : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, (bool Ok, string Detail)> _results = new();
    private Exception? _setupError;

    internal GrpcTestHost? Host { get; private set; }

    public async Task InitializeAsync()
    {
        try
        {
            var stubs = await PythonGrpc.StubsAsync();
            Host = await GrpcTestHost.StartLoopbackAsync();
            await using var client = PythonProcess.Start("echo_client.py", stubs, Host.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            while (await client.ReadLineAsync("{", TimeSpan.FromSeconds(90)) is { } line)
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                _results[root.GetProperty("scenario").GetString()!] = (root.GetProperty("ok").GetBoolean(), root.GetProperty("detail").GetString()!);
            }

            if (_results.IsEmpty)
            {
                throw new InvalidOperationException("echo_client.py reported nothing. stderr: " + client.StandardError);
            }
        }
        catch (Exception ex)
        {
            _setupError = ex;
        }
    }

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }

    internal void AssertScenarioPassed(string scenario)
    {
        if (_setupError is not null)
        {
            throw new InvalidOperationException("Python interop set-up failed: " + _setupError.Message, _setupError);
        }

        Assert.True(_results.TryGetValue(scenario, out var result), $"Scenario '{scenario}' did not report.");
        Assert.True(result.Ok, $"Scenario '{scenario}' failed: {result.Detail}");
    }
}

/// <summary>A real gRPC implementation (python3-grpcio client) calling our server.</summary>
public sealed class PythonClientTests(PythonClientFixture fixture) : IClassFixture<PythonClientFixture>
{
    [Fact]
    public void PythonClient_Unary_Succeeds() => fixture.AssertScenarioPassed("unary");

    [Fact]
    public void PythonClient_ServerStreaming_Succeeds() => fixture.AssertScenarioPassed("server_streaming");

    [Fact]
    public void PythonClient_ClientStreaming_Succeeds() => fixture.AssertScenarioPassed("client_streaming");

    [Fact]
    public void PythonClient_Bidi_Succeeds() => fixture.AssertScenarioPassed("bidi");

    [Fact]
    public void PythonClient_DeadlineExceeded_ReturnsDeadlineExceeded() => fixture.AssertScenarioPassed("deadline_exceeded");

    [Fact]
    public async Task PythonClient_Cancellation_ReturnsCancelledAndServerObservesIt()
    {
        fixture.AssertScenarioPassed("cancellation");
        await fixture.Host!.Echo.WhenCancelledAsync("cancel-me").WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void PythonClient_32MiBMessage_RoundTrips() => fixture.AssertScenarioPassed("large_32mib");

    [Fact]
    public void PythonClient_OverLimitMessage_ReturnsResourceExhausted() => fixture.AssertScenarioPassed("over_limit");

    [Fact]
    public void PythonClient_ErrorStatusWithNonAsciiMessage_ArrivesIntact() => fixture.AssertScenarioPassed("error_status");

    [Fact]
    public void PythonClient_BinaryMetadata_EchoedInHeadersAndTrailers() => fixture.AssertScenarioPassed("binary_metadata");

    [Fact]
    public void PythonClient_GzipCompressedRequest_IsDecompressed() => fixture.AssertScenarioPassed("compressed");

    [Fact]
    public void PythonClient_UnknownMethod_ReturnsUnimplemented() => fixture.AssertScenarioPassed("unimplemented");

    [Fact]
    public void PythonClient_HealthCheck_ServingAndNotFound() => fixture.AssertScenarioPassed("health");
}
