using System.CommandLine;
using System.Net;

namespace Serving.Cli.Commands;

/// <summary>
/// Runs the product on this machine with the real models, on loopback. Until the router lands
/// (issue 5) that is one worker serving the default repository (built on first use) over the
/// KServe v2 protocol.
/// </summary>
internal static class StandaloneCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "gRPC port on 127.0.0.1", DefaultValueFactory = _ => 8001 };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Prometheus /metrics port", DefaultValueFactory = _ => 8002 };
        var command = new Command("standalone", "Run Serving on this machine (loopback) with the real models") { port, metricsPort };
        command.SetAction((result, cancellationToken) =>
        {
            Console.WriteLine(
                $"standalone: KServe v2 gRPC at 127.0.0.1:{result.GetValue(port)} (models: fr_feature, fr_feature_batched, fr_detect, fr_landmark, selfie), " +
                $"metrics at http://127.0.0.1:{result.GetValue(metricsPort)}/metrics; Ctrl+C stops.");
            return WorkerCommand.RunAsync(
                IPAddress.Loopback, repository: null, result.GetValue(port), result.GetValue(metricsPort), "cpu", threads: 0,
                TimeSpan.FromSeconds(30), warmupRuns: 3, cancellationToken);
        });
        return command;
    }
}
