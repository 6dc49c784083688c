namespace Serving.Benchmarks;

/// <summary>The benchmarks' small shared helpers: <c>--name value</c> options and the machine's load.</summary>
internal static class BenchmarkArgs
{
    /// <summary>The value after <paramref name="name"/>, or <paramref name="fallback"/> when absent.</summary>
    public static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    /// <summary>The 1-minute load average, printed beside figures so noisy runs can be told apart.</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
