namespace Serving.Benchmarks;

/// <summary>Benchmarks (not tests): <c>dotnet run -c Release --project benchmarks/Serving.Benchmarks -- &lt;name&gt; [options]</c>.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var name = args.Length > 0 ? args[0] : string.Empty;
        var rest = args.Length > 0 ? args[1..] : [];
        switch (name)
        {
            case "grpc":
                return await GrpcEchoBenchmark.RunAsync(rest);
            case "onnx":
                return OnnxBenchmark.Run(rest);
            case "worker":
                return await WorkerBenchmark.RunAsync(rest);
            case "cluster":
                return await Cluster.ClusterBenchmark.RunAsync(rest);
            default:
                await Console.Error.WriteLineAsync("usage: Serving.Benchmarks <grpc|onnx|worker|cluster> [options]");
                return 2;
        }
    }
}
