using System.Text.RegularExpressions;
using Serving.Deployment.Tests.Infrastructure;

namespace Serving.Deployment.Tests.Container;

public sealed class DockerfileTests
{
    private static readonly string[] FinalTargets = ["router", "worker", "worker-cuda"];

    private static Dockerfile Load() => Dockerfile.Parse(File.ReadAllText(Path.Combine(Tools.RepositoryRoot, "Dockerfile")));

    [Fact]
    public void Parse_RepositoryDockerfile_HasBuildStagesAndTheThreeTargets()
    {
        var dockerfile = Load();

        Assert.Equal(["build", "ort-cpu", "ort-gpu", "runtime-base", "router", "worker-cuda", "worker"], dockerfile.Stages.Select(s => s.Name));
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", Resolve(dockerfile, dockerfile["build"].From));
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", Resolve(dockerfile, dockerfile["runtime-base"].From));
        Assert.Equal("runtime-base", dockerfile["router"].From);
        Assert.Equal("runtime-base", dockerfile["worker"].From);
        // ONNX Runtime 1.30's GPU build links CUDA 13 (libcublas.so.13, libcudart.so.13) and cuDNN 9.
        Assert.Matches("^nvidia/cuda:13\\.[0-9.]+-cudnn-runtime-ubuntu", Resolve(dockerfile, dockerfile["worker-cuda"].From));
        // The CPU worker is the default target (the last stage).
        Assert.Equal("worker", dockerfile.Stages[^1].Name);
    }

    [Fact]
    public void Parse_BuildStage_PublishesTheServingCli()
    {
        var run = string.Join('\n', Load()["build"].All("RUN").Select(r => r.Arguments));

        Assert.Matches(@"dotnet publish src/Serving\.Cli -c Release -o /app", run);
    }

    [Fact]
    public void Parse_OrtStages_FetchOnnxRuntime130CpuFromNpmAndGpuFromTheOfficialRelease()
    {
        var dockerfile = Load();
        Assert.Equal("1.30.0", dockerfile.GlobalArgDefault("ORT_VERSION"));

        var cpu = string.Join('\n', dockerfile["ort-cpu"].All("RUN").Select(r => r.Arguments));
        Assert.Contains("npm pack --silent \"onnxruntime-node@${ORT_VERSION}\"", cpu);
        Assert.Contains("package/bin/napi-v6/linux/x64/libonnxruntime.so.1", cpu);

        var gpu = string.Join('\n', dockerfile["ort-gpu"].All("RUN").Select(r => r.Arguments));
        Assert.Contains("https://github.com/microsoft/onnxruntime/releases/download/v${ORT_VERSION}/onnxruntime-linux-x64-gpu-${ORT_VERSION}.tgz", gpu);
        Assert.Contains("libonnxruntime_providers_cuda.so", gpu);
    }

    [Theory]
    [InlineData("router")]
    [InlineData("worker")]
    [InlineData("worker-cuda")]
    public void Parse_FinalTarget_RunsServingAsNonRootWithGrpcHealthCheck(string target)
    {
        var dockerfile = Load();
        var stage = dockerfile[target];
        var inherited = Chain(dockerfile, stage).ToArray();

        var user = inherited.Select(s => s.Last("USER")).FirstOrDefault(u => u is not null);
        Assert.NotNull(user);
        var uid = user!.Arguments.Split(':')[0];
        Assert.True(int.TryParse(uid, out var id) && id > 0, $"{target}: USER {user.Arguments} must be a numeric non-root UID (Kubernetes runAsNonRoot checks numbers)");
        Assert.Equal("1654", uid);

        Assert.Equal(["/app/serving"], stage.Last("ENTRYPOINT")!.ExecForm()!);
        var command = stage.Last("CMD")!.ExecForm()!;
        Assert.Equal(target.StartsWith("worker", StringComparison.Ordinal) ? "worker" : "router", command[0]);
        Assert.Contains("--port", command);
        Assert.Contains("--metrics-port", command);

        var health = stage.Last("HEALTHCHECK")!.Arguments;
        var exec = Regex.Match(health, @"CMD\s+(\[.*\])", RegexOptions.Singleline);
        Assert.True(exec.Success, $"{target}: HEALTHCHECK must use the exec form");
        Assert.Equal(["/app/serving", "health", "--address", "127.0.0.1:8001", "--timeout", "2"], stage.Last("HEALTHCHECK")!.ExecForm(exec.Groups[1].Value)!);
        Assert.Equal(["8001", "8002"], stage.All("EXPOSE").SelectMany(e => e.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("router")]
    [InlineData("worker")]
    [InlineData("worker-cuda")]
    public void Parse_FinalTarget_HoldsOnlyRuntimeFilesAndOciLabels(string target)
    {
        var dockerfile = Load();
        var chain = Chain(dockerfile, dockerfile[target]).ToArray();

        // Nothing of the SDK: final stages copy the published app, ONNX Runtime and the .NET runtime only.
        var copies = chain.SelectMany(s => s.All("COPY")).Select(c => c.Arguments).ToArray();
        Assert.Contains(copies, c => c.Contains("--from=build") && c.Contains("/app /app"));
        Assert.DoesNotContain(copies, c => !c.Contains("--from="));
        Assert.All(chain.Select(s => s.From), from => Assert.DoesNotContain("/dotnet/sdk", Resolve(dockerfile, from)));

        var labels = string.Join(' ', chain.SelectMany(s => s.All("LABEL")).Select(l => l.Arguments));
        foreach (var key in new[] { "title", "description", "source", "licenses", "version", "revision" })
        {
            Assert.Contains($"org.opencontainers.image.{key}=", labels);
        }

        var apt = string.Join('\n', chain.SelectMany(s => s.All("RUN")).Select(r => r.Arguments));
        Assert.Contains("libstb0", apt);
        Assert.Contains("rm -rf /var/lib/apt/lists/*", apt);

        var env = string.Join(' ', chain.SelectMany(s => s.All("ENV")).Select(e => e.Arguments));
        if (target.StartsWith("worker", StringComparison.Ordinal))
        {
            Assert.Contains("SERVING_ORT_LIB=/opt/onnxruntime/lib/libonnxruntime.so.1", env);
            Assert.Contains(copies, c => c.Contains(target == "worker" ? "--from=ort-cpu" : "--from=ort-gpu"));
        }
    }

    [Fact]
    public void Parse_ContinuationsAndComments_AreJoinedIntoOneInstruction()
    {
        var dockerfile = Dockerfile.Parse("ARG A=1\n# note\nFROM base:${A} AS one\nRUN a \\\n  # inner comment\n  && b\nUSER 10\nFROM one\nCMD [\"x\"]\n");

        Assert.Equal("1", dockerfile.GlobalArgDefault("A"));
        Assert.Equal("one", dockerfile.Stages[0].Name);
        Assert.Equal("a    && b", dockerfile.Stages[0].Last("RUN")!.Arguments);
        Assert.Null(dockerfile.Stages[1].Name);
        Assert.Equal(["x"], dockerfile.Stages[1].Last("CMD")!.ExecForm()!);
    }

    /// <summary>The stage and the stages it is built FROM, nearest first.</summary>
    private static IEnumerable<Stage> Chain(Dockerfile dockerfile, Stage stage)
    {
        for (Stage? s = stage; s is not null; s = dockerfile.Stages.FirstOrDefault(p => p.Name == s.From))
        {
            yield return s;
        }
    }

    private static string Resolve(Dockerfile dockerfile, string from) =>
        Regex.Replace(from, @"\$\{(\w+)\}", m => dockerfile.GlobalArgDefault(m.Groups[1].Value) ?? m.Value);
}
