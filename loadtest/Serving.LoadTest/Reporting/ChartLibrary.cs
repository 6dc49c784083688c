namespace Serving.LoadTest.Reporting;

/// <summary>
/// Finds Chart.js (the UMD build that <c>scripts/setup.sh</c>'s <c>ensure_chartjs</c> fetches into the
/// cache) so the report page can inline it and open offline.
/// </summary>
public static class ChartLibrary
{
    /// <summary>The version setup fetches.</summary>
    public const string Version = "4.6.1";

    /// <summary><c>$SERVING_CHARTJS</c>, else <c>$SERVING_CACHE/npm/node_modules/chart.js/dist/chart.umd.min.js</c> (cache default <c>${XDG_CACHE_HOME:-~/.cache}/serving</c>).</summary>
    public static string DefaultPath
    {
        get
        {
            if (Environment.GetEnvironmentVariable("SERVING_CHARTJS") is { Length: > 0 } explicitPath)
            {
                return explicitPath;
            }

            var cache = Environment.GetEnvironmentVariable("SERVING_CACHE");
            if (string.IsNullOrEmpty(cache))
            {
                var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                cache = Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg, "serving");
            }

            return Path.Combine(cache, "npm", "node_modules", "chart.js", "dist", "chart.umd.min.js");
        }
    }

    /// <summary>The library's source, or null when it is not there.</summary>
    public static string? TryLoad(string? path = null)
    {
        path ??= DefaultPath;
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }
}
