using System.CommandLine;
using Grpc.Health.V1;
using Serving.Grpc;
using Serving.Grpc.Health;

namespace Serving.Cli.Commands;

/// <summary>
/// <c>serving health</c>: one grpc.health.v1 Check over h2c, for container health checks (the
/// images have no grpc_health_probe). Exit 0 on SERVING, 1 otherwise, with the reason on stderr.
/// </summary>
internal static class HealthCommand
{
    public static Command Create()
    {
        var address = new Option<string>("--address") { Description = "host:port of the gRPC endpoint", DefaultValueFactory = _ => "127.0.0.1:8001" };
        var service = new Option<string>("--service") { Description = "Service to check (\"\" = the whole server)", DefaultValueFactory = _ => "" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds before giving up", DefaultValueFactory = _ => 2 };
        var command = new Command("health", "Check a server's grpc.health.v1 status; exit 0 when SERVING") { address, service, timeout };
        command.SetAction(async (result, cancellationToken) =>
        {
            var target = result.GetRequiredValue(address);
            using var channel = GrpcChannel.ForAddress(target.Contains("://", StringComparison.Ordinal) ? target : "http://" + target);
            try
            {
                var reply = await channel.CallInvoker.UnaryAsync(
                    HealthMethods.Check,
                    new HealthCheckRequest { Service = result.GetValue(service) ?? "" },
                    new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(result.GetValue(timeout)), CancellationToken: cancellationToken));
                Console.WriteLine(reply.Status);
                return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving ? 0 : 1;
            }
            catch (RpcException e)
            {
                Console.Error.WriteLine($"{target}: {e.StatusCode}: {e.Status.Detail}");
                return 1;
            }
        });
        return command;
    }
}
