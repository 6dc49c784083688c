using System.Diagnostics;

namespace Serving.Testing;

/// <summary>Debian's <c>promtool</c>, run on text the test hands it.</summary>
public static class Promtool
{
    /// <summary><c>promtool check metrics</c> on an exposition: its exit code and whatever it printed.</summary>
    public static async Task<(int ExitCode, string Complaints)> CheckMetricsAsync(string exposition)
    {
        var start = new ProcessStartInfo(ExternalTools.Require(ExternalTools.Promtool), ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }
}
