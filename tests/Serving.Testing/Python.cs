using System.Diagnostics;

namespace Serving.Testing;

/// <summary>Debian's python3 (with python3-grpcio and python3-grpc-tools), for interop tests; the PATH python may be another one.</summary>
public static class Python
{
    public const string Binary = "/usr/bin/python3";

    /// <summary>Runs python3 with <paramref name="arguments"/>; returns its exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, (await output).Replace("\r", "", StringComparison.Ordinal) + await error);
    }
}
