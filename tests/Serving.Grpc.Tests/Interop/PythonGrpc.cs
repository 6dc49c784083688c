using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Serving.Grpc.Tests.Interop;

/// <summary>Debian's python3-grpcio and its generated stubs, prepared once per test run.</summary>
internal static class PythonGrpc
{
    public const string Python = "/usr/bin/python3";
    private static readonly Lazy<Task<string>> s_stubs = new(GenerateStubsAsync);

    /// <summary>The directory with echo_pb2/echo_pb2_grpc/health_pb2; throws with set-up advice when grpcio is missing.</summary>
    public static Task<string> StubsAsync() => s_stubs.Value;

    public static string AssetPath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, .. parts]);

    private static async Task<string> GenerateStubsAsync()
    {
        var check = await RunAsync(["-c", "import grpc, grpc_tools.protoc"]);
        if (check.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Python} with grpcio and grpc_tools is required for the interop tests (Debian packages python3-grpcio, python3-grpc-tools). " +
                $"Run ./test.sh (it runs scripts/setup.sh tests first). Python said: {check.Output}");
        }

        var directory = Path.Combine(Path.GetTempPath(), "serving-grpc-interop-" + Environment.ProcessId);
        Directory.CreateDirectory(directory);
        var protos = AssetPath("Protos");
        var result = await RunAsync(["-m", "grpc_tools.protoc", "-I", protos, "--python_out=" + directory, "--grpc_python_out=" + directory, "echo.proto", "health.proto"]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("grpc_tools.protoc failed: " + result.Output);
        }

        return directory;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            return (process.ExitCode, (await output) + (await error));
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}

/// <summary>A python script running as a child process; stdout lines are queued for the test, stderr kept for messages.</summary>
internal sealed class PythonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _stderr = new();

    private PythonProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.Writer.TryComplete();
            }
            else
            {
                _lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static PythonProcess Start(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(PythonGrpc.Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(PythonGrpc.AssetPath("Interop", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new PythonProcess(Process.Start(start)!);
    }

    /// <summary>The next stdout line starting with <paramref name="prefix"/> (others are skipped), or null at exit.</summary>
    public async Task<string?> ReadLineAsync(string prefix, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(cts.Token))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No '{prefix}' line from python within {timeout}. stderr: {StandardError}");
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
